// Requests assigned to the person using the phone (a grid worker of any grid, or a
// volunteer): each with what it is about and by when, and a form to log what was done, mark
// it in progress or resolved with its outcome. Works offline like every other record.
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { plain, str } from "../sync";
import { formValues, when, type Ctx } from "../context";
import { code, t } from "../i18n";
import { nowIso, type ServiceRequest } from "../records";
import { isOverdue, requestBadges } from "./worker_requests";
import { personName } from "../directory";

function update(ctx: Ctx, r: DocHandle<ServiceRequest>) {
  return (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const v = formValues(form);
    const status = v.status as "in_progress" | "resolved" | "";
    if (!v.text && !status) return;
    r.change(x => {
      x.log.push({ at: nowIso(), by: ctx.session.user, text: v.text || code("st", status), ...(status ? { status } : {}) });
      if (status) x.status = status;
      if (v.outcome && v.outcome !== x.outcome) x.outcome = v.outcome;
    });
    form.reset();
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
}

export function assignedToMe(ctx: Ctx, requests: DocHandle<ServiceRequest>[]) {
  // Picked on the live documents (a grid's requests, every render), copied only when mine.
  const mine = requests
    .filter(r => {
      const d = ctx.sync.docOf(r);
      const kind = str(d.assignee_kind);
      return str(d.assignee) === ctx.session.user && (kind === "worker" || kind === "volunteer");
    })
    .map(r => ({ r, d: plain(r.doc()) }))
    .sort((a, b) => Number(isOverdue(b.d)) - Number(isOverdue(a.d)) || (a.d.due ?? "9").localeCompare(b.d.due ?? "9"));
  if (mine.length === 0 && ctx.session.role !== "volunteer") return nothing;
  return html`<section class="card" data-testid="assigned">
    <h2>${t("assigned_to_me")} <span class="count">${mine.filter(({ d }) => d.status !== "resolved" && d.status !== "closed").length}</span></h2>
    ${mine.length === 0 ? html`<p>${t("no_assigned")}</p>` : nothing}
    <ul class="list">${mine.map(({ r, d }) => {
      const done = d.status === "resolved" || d.status === "closed";
      return html`<li data-testid="assigned-request" data-status=${d.status}>
        <b>${code("rq", d.category)}</b> ${d.description} ${requestBadges(d)}
        ${d.address ? html`<p data-testid="assigned-address">${t("address")}: ${d.address}</p>` : nothing}
        <ul class="list small">${(d.log ?? []).map(l => html`<li>${when(l.at)} ${personName(l.by)}: ${l.text}</li>`)}</ul>
        ${done
          ? d.outcome ? html`<p>${t("outcome")}: ${d.outcome}</p>` : nothing
          : html`<form class="form" data-testid="assigned-update" @submit=${update(ctx, r)}>
              <label>${t("log_entry")}<textarea name="text" rows="2" maxlength="2000"></textarea></label>
              <label>${t("status")}<select name="status"><option value=""></option><option value="in_progress" ?selected=${d.status === "assigned"}>${t("mark_in_progress")}</option><option value="resolved">${t("mark_resolved")}</option></select></label>
              <label>${t("outcome")}<textarea name="outcome" rows="2" maxlength="2000" .value=${d.outcome ?? ""}></textarea></label>
              <button class="primary" type="submit">${t("save")}</button>
            </form>`}
      </li>`;
    })}</ul>
  </section>`;
}
