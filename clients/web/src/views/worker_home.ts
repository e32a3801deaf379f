// The top of the grid worker's first screen: today's visits, and the households due for a
// visit (overdue or never visited, due today, this week) by the follow-up plan, computed on
// the phone from the last visits and the community's rules, with no signal needed. Both read
// the list's household index, so a grid of 2,000 costs nothing more per render.
import { html, nothing } from "lit-html";
import type { Ctx } from "../context";
import { code, t } from "../i18n";
import { timeOf } from "../records";
import type { FollowUpState } from "../follow_up";
import type { HouseholdIndex, Summary } from "../household_index";
import { purposeText } from "./worker_visits";
import { nav } from "./worker_nav";

/** Households listed per group before the worker opens the list. */
const SHOWN = 100;

function open(ctx: Ctx, s: Summary) {
  return () => {
    nav.selected = s.id;
    ctx.refresh();
    window.scrollTo(0, 0);
  };
}

/** The visits made today on this grid, newest first. */
export function todaysVisits(ctx: Ctx, index: HouseholdIndex) {
  const visits = index
    .households()
    .flatMap(s => s.visitsToday.map(v => ({ s, v })))
    .sort((a, b) => b.v.at.localeCompare(a.v.at));
  return html`<section class="card" data-testid="todays-visits">
    <h2>${t("todays_visits")} <span class="count">${visits.length}</span></h2>
    ${visits.length === 0 ? html`<p>${t("no_visits_today")}</p>` : nothing}
    <ul class="list">${visits.map(
      ({ s, v }) => html`<li data-testid="todays-visit"><button class="row-link" @click=${open(ctx, s)}>
        <b>${s.address}</b> <span>${purposeText(v.purpose)}</span> <small>${timeOf(v.at)}</small></button></li>`,
    )}</ul>
  </section>`;
}

const SECTIONS: { key: string; states: FollowUpState[] }[] = [
  { key: "overdue", states: ["overdue", "never"] },
  { key: "today", states: ["today"] },
  { key: "week", states: ["week"] },
];

/** Households due for a visit, in three groups; each group opens to its list. */
export function dueForVisit(ctx: Ctx, index: HouseholdIndex) {
  const all = index.households();
  return html`<section class="card" data-testid="due">
    <h2>${t("follow_up_plan")}</h2>
    ${SECTIONS.map(({ key, states }) => {
      const due = all.filter(s => states.includes(s.follow)).sort((a, b) => a.due.localeCompare(b.due));
      return html`<details data-testid="due-group" data-group=${key} data-count=${due.length} ?open=${key !== "week" && due.length > 0 && due.length <= 5}>
        <summary><b>${code("due", key)}</b> <span class="count">${due.length}</span></summary>
        ${due.length === 0 ? html`<p>${t("nothing_due")}</p>` : nothing}
        <ul class="list">${due.slice(0, SHOWN).map(
          s => html`<li data-testid="due-household" data-address=${s.address}><button class="row-link" @click=${open(ctx, s)}>
            <b>${s.address}</b> <span>${s.head}</span>
            <span class="badge ${s.follow === "week" ? "" : "has_issues"}">${s.due ? `${t("next_visit")} ${s.due}` : t("due_never")}</span></button></li>`,
        )}</ul>
        ${due.length > SHOWN ? html`<p><small>${t("n_left").replace("{n}", String(due.length - SHOWN))}: ${t("filter_due")}</small></p>` : nothing}
      </details>`;
    })}
  </section>`;
}
