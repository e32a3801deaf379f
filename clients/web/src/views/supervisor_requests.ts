// The supervisor's requests tab: follow-ups due per grid, and the service requests of the
// area, overdue first; a request is assigned (to a worker, a volunteer or an organisation of
// the community) with its due day from the category's time limit, and closed with the
// resident's satisfaction. Lists come from the API; assigning and closing are writes into
// the request's own document, which syncs like every record.
import { html, nothing } from "lit-html";
import type { DocumentId } from "@automerge/automerge-repo/slim";
import { formValues, when, type Ctx } from "../context";
import { code, t } from "../i18n";
import { SATISFACTION, dayOf, nowIso, requestDue, type ServiceRequest } from "../records";
import { orgLabel, peopleWithRole, personName } from "../directory";

export interface RequestRow {
  document_id: string;
  org: string;
  household: string | null;
  category: string;
  description: string;
  status: string;
  urgency: string;
  assignee: string | null;
  assignee_kind: string;
  due: string | null;
  opened_at: string | null;
  outcome: string;
  satisfaction: string;
  overdue: boolean;
}

interface GridFollowUps { org: string; households: number; never: number; overdue: number; today: number; week: number }

const state = {
  rows: [] as RequestRow[],
  grids: [] as GridFollowUps[],
  overdueOnly: false,
};

export async function loadRequests(ctx: Ctx): Promise<void> {
  const [rows, grids] = await Promise.all([
    ctx.api.get<RequestRow[]>(`/api/requests?limit=500${state.overdueOnly ? "&overdue=true" : ""}`),
    ctx.api.get<GridFollowUps[]>("/api/follow-ups"),
  ]);
  Object.assign(state, { rows, grids });
}

/** Writes `f` into the request's document, then reloads the list once the server has it. */
async function edit(ctx: Ctx, row: RequestRow, f: (r: ServiceRequest) => void, reload: () => void) {
  const handle = await ctx.sync.open<ServiceRequest>(row.document_id as DocumentId);
  if (!handle) {
    ctx.toast(t("error"));
    return;
  }
  handle.change(f);
  ctx.toast(ctx.sync.status().connected ? t("saved") : t("saved_locally"));
  // The list is the server's: it shows the change once the server has stored it.
  for (const ms of [500, 1500, 3500]) setTimeout(reload, ms);
}

function followUps(ctx: Ctx) {
  return html`<section class="card" data-testid="follow-ups-by-grid">
    <h2>${t("follow_ups_by_grid")}</h2>
    <div class="table-wrap" tabindex="0" role="region" aria-label=${t("follow_ups_by_grid")}><table class="table"><thead><tr><th>${t("grid")}</th><th>${t("ds_households")}</th><th>${t("due_overdue")}</th><th>${t("due_never")}</th><th>${t("due_today")}</th><th>${t("due_week")}</th></tr></thead>
    <tbody>${state.grids.map(g => html`<tr data-testid="grid-follow-ups" data-org=${g.org} data-overdue=${g.overdue} data-never=${g.never}>
      <td>${orgLabel(g.org, ctx.session.org)}</td><td>${g.households}</td><td class=${g.overdue ? "warn" : ""}>${g.overdue}</td><td>${g.never}</td><td>${g.today}</td><td>${g.week}</td></tr>`)}</tbody></table></div>
  </section>`;
}

/** The kind of assignee picked on each request's form before it is sent. */
const kindOf = new Map<string, string>();

function requestItem(ctx: Ctx, r: RequestRow, reload: () => void) {
  const opened = r.opened_at ?? nowIso();
  const assign = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    if (!v.assignee || !v.kind || !v.due) return;
    void edit(ctx, r, x => {
      x.assignee = v.assignee;
      x.assignee_kind = v.kind;
      x.due = v.due;
      x.status = "assigned";
      x.log.push({ at: nowIso(), by: ctx.session.user, text: `${t("assign")}: ${v.kind === "organization" ? v.assignee : personName(v.assignee)} (${code("ak", v.kind)})`, status: "assigned" });
    }, reload);
  };
  const close = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    void edit(ctx, r, x => {
      if (v.satisfaction && v.satisfaction !== x.satisfaction) x.satisfaction = v.satisfaction as ServiceRequest["satisfaction"];
      x.status = "closed";
      x.log.push({ at: nowIso(), by: ctx.session.user, text: t("close_request"), status: "closed" });
    }, reload);
  };
  const finished = r.status === "resolved" || r.status === "closed";
  const kind = kindOf.get(r.document_id) ?? (r.assignee_kind || "worker");
  return html`<li data-testid="supervisor-request" data-status=${r.status} data-overdue=${String(r.overdue)} data-description=${r.description}>
    <div><b>${code("rq", r.category)}</b> ${r.description}
      <span class="badge ${r.status}">${code("st", r.status)}</span>
      ${r.urgency === "urgent" ? html`<span class="badge has_issues">${t("urg_urgent")}</span>` : nothing}
      ${r.overdue ? html`<span class="badge has_issues">${t("request_overdue")}</span>` : nothing}
      <small>${orgLabel(r.org, ctx.session.org)} · ${when(r.opened_at)}</small></div>
    <div><small>${r.assignee ? `${t("assigned_to")} ${r.assignee_kind === "organization" ? r.assignee : personName(r.assignee)}${r.assignee_kind ? ` (${code("ak", r.assignee_kind)})` : ""}` : ""} ${r.due ? `${t("due_by")} ${r.due}` : ""}</small>
      ${r.outcome ? html`<p>${t("outcome")}: ${r.outcome}</p>` : nothing}
      ${r.satisfaction ? html`<span class="badge">${code("sat", r.satisfaction)}</span>` : nothing}</div>
    ${r.status === "closed"
      ? nothing
      : finished
        ? html`<form class="row" data-testid="close-request" @submit=${close}>
            <select name="satisfaction" aria-label=${t("satisfaction")}><option value="">${t("satisfaction")}</option>${SATISFACTION.map(s => html`<option value=${s} ?selected=${r.satisfaction === s}>${code("sat", s)}</option>`)}</select>
            <button class="primary">${t("close_request")}</button></form>`
        : html`<form class="row wrap" data-testid="assign-request" @submit=${assign}>
            <select name="kind" aria-label=${t("assignee_kind")} @change=${(e: Event) => { kindOf.set(r.document_id, (e.target as HTMLSelectElement).value); ctx.refresh(); }}>
              ${["worker", "volunteer", "organization"].map(k => html`<option value=${k} ?selected=${kind === k}>${code("ak", k)}</option>`)}</select>
            ${kind === "organization"
              ? html`<input name="assignee" required maxlength="64" placeholder=${t("assignee_name")} aria-label=${t("assignee_name")} .value=${r.assignee_kind === "organization" ? (r.assignee ?? "") : ""} />`
              : html`<select name="assignee" required aria-label=${t("assignee_name")}>
                  <option value="">${t("assignee_name")}</option>
                  ${peopleWithRole(kind).map(p => html`<option value=${p.user} ?selected=${r.assignee === p.user}>${p.name}</option>`)}</select>`}
            <label>${t("due_by")}<input type="date" name="due" required .value=${r.due ?? requestDue(r.category, r.urgency, dayOf(opened))} /></label>
            <button class="primary">${t("assign")}</button></form>`}
  </li>`;
}

export function requestsTab(ctx: Ctx, reload: () => void) {
  const toggle = (e: Event) => {
    state.overdueOnly = (e.target as HTMLInputElement).checked;
    reload();
  };
  return html`${followUps(ctx)}
    <section class="card" data-testid="requests">
      <div class="row spread"><h2>${t("requests")} <span class="count">${state.rows.length}</span></h2>
        <label class="check"><input type="checkbox" data-testid="overdue-only" .checked=${state.overdueOnly} @change=${toggle} /> ${t("overdue_only")}</label></div>
      <ul class="list">${state.rows.map(r => requestItem(ctx, r, reload))}</ul>
    </section>`;
}
