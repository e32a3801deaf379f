// The grid worker's first screen: the follow-ups that are overdue and the grid's households.
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { plain } from "../sync";
import type { Ctx } from "../context";
import { t } from "../i18n";
import { dayOf, headName, overdueFollowUp, residentsOf, today, type Household } from "../records";
import { nav } from "./worker_nav";

export function overdueList(ctx: Ctx, households: DocHandle<Household>[]) {
  const on = today();
  const due = households
    .map(h => ({ h, date: overdueFollowUp(plain(h.doc()), on) }))
    .filter(x => x.date)
    .sort((a, b) => a.date!.localeCompare(b.date!));
  return html`<section class="card" data-testid="overdue">
    <h2>${t("overdue")} <span class="count">${due.length}</span></h2>
    ${due.length === 0 ? html`<p>${t("no_overdue")}</p>` : nothing}
    <ul class="list">${due.map(
      x => html`<li><button class="row-link" @click=${() => { nav.selected = x.h.documentId; ctx.refresh(); }}>
        <b>${plain(x.h.doc()).address}</b> <span>${headName(plain(x.h.doc()))}</span> <span class="badge has_issues">${t("due")} ${x.date}</span></button></li>`,
    )}</ul>
  </section>`;
}

export function householdList(ctx: Ctx, households: DocHandle<Household>[]) {
  const sorted = [...households].sort((a, b) => plain(a.doc()).address.localeCompare(plain(b.doc()).address));
  return html`<section class="card">
    <div class="row spread"><h2>${t("households")} <span class="count">${households.length}</span></h2>
    <button class="primary" data-testid="new-household" @click=${() => { nav.registering = true; ctx.refresh(); }}>${t("register_household")}</button></div>
    ${households.length === 0 ? html`<p>${t("no_households")}</p>` : nothing}
    <ul class="list">${sorted.map(h => {
      const d = plain(h.doc());
      const visits = d.visits ?? [];
      const last = visits[visits.length - 1];
      return html`<li data-testid="household" data-address=${d.address}><button class="row-link" @click=${() => { nav.selected = h.documentId; ctx.refresh(); }}>
        <b>${d.address}</b> <span>${headName(d)} · ${residentsOf(d).length} ${t("person_count")}</span>
        <small>${last ? `${t("last_visit")} ${dayOf(last.at)}` : t("not_visited")}</small>
        ${d.review?.status === "has_issues" ? html`<span class="badge has_issues">${t("sent_back")}</span>` : nothing}
      </button></li>`;
    })}</ul>
  </section>`;
}

