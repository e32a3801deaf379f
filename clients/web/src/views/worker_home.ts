// The top of the grid worker's first screen: today's visits, and the households due for a
// visit (overdue or never visited, due today, this week) by the follow-up plan, computed on
// the phone from the last visits and the community's rules, with no signal needed.
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { plain } from "../sync";
import type { Ctx } from "../context";
import { code, t } from "../i18n";
import { dayOf, headName, timeOf, today, type Household } from "../records";
import { followUpOf, type FollowUpState } from "../follow_up";
import { purposeText } from "./worker_visits";
import { nav } from "./worker_nav";

function open(ctx: Ctx, h: DocHandle<Household>) {
  return () => {
    nav.selected = h.documentId;
    ctx.refresh();
    window.scrollTo(0, 0);
  };
}

/** The visits made today on this grid, newest first. */
export function todaysVisits(ctx: Ctx, households: DocHandle<Household>[]) {
  const on = today();
  const visits = households
    .flatMap(h => (plain(h.doc()).visits ?? []).filter(v => dayOf(v.at) === on).map(v => ({ h, v })))
    .sort((a, b) => b.v.at.localeCompare(a.v.at));
  return html`<section class="card" data-testid="todays-visits">
    <h2>${t("todays_visits")} <span class="count">${visits.length}</span></h2>
    ${visits.length === 0 ? html`<p>${t("no_visits_today")}</p>` : nothing}
    <ul class="list">${visits.map(
      ({ h, v }) => html`<li data-testid="todays-visit"><button class="row-link" @click=${open(ctx, h)}>
        <b>${plain(h.doc()).address}</b> <span>${purposeText(v.purpose)}</span> <small>${timeOf(v.at)}</small></button></li>`,
    )}</ul>
  </section>`;
}

const SECTIONS: { key: string; states: FollowUpState[] }[] = [
  { key: "overdue", states: ["overdue", "never"] },
  { key: "today", states: ["today"] },
  { key: "week", states: ["week"] },
];

/** Households due for a visit, in three groups; each group opens to its list. */
export function dueForVisit(ctx: Ctx, households: DocHandle<Household>[], rules: Record<string, number>) {
  const on = today();
  const plans = households.map(h => ({ h, d: plain(h.doc()) })).map(x => ({ ...x, f: followUpOf(x.d, on, rules) }));
  return html`<section class="card" data-testid="due">
    <h2>${t("follow_up_plan")}</h2>
    ${SECTIONS.map(({ key, states }) => {
      const due = plans.filter(p => states.includes(p.f.state)).sort((a, b) => (a.f.due || "").localeCompare(b.f.due || ""));
      return html`<details data-testid="due-group" data-group=${key} data-count=${due.length} ?open=${key !== "week" && due.length > 0 && due.length <= 5}>
        <summary><b>${code("due", key)}</b> <span class="count">${due.length}</span></summary>
        ${due.length === 0 ? html`<p>${t("nothing_due")}</p>` : nothing}
        <ul class="list">${due.slice(0, 100).map(
          p => html`<li data-testid="due-household" data-address=${p.d.address}><button class="row-link" @click=${open(ctx, p.h)}>
            <b>${p.d.address}</b> <span>${headName(p.d)}</span>
            <span class="badge ${p.f.state === "week" ? "" : "has_issues"}">${p.f.due ? `${t("next_visit")} ${p.f.due}` : t("due_never")}</span></button></li>`,
        )}</ul>
      </details>`;
    })}
  </section>`;
}
