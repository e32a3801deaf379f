// Service requests on the grid worker's phone: opening one for a household (category,
// description, urgency; checked, confirmed as saved on this phone), the household's requests
// with their state, who has them and by when, overdue ones flagged, and recording the
// resident's satisfaction once one is resolved.
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { plain } from "../sync";
import { formValues, when, type Ctx } from "../context";
import { code, t } from "../i18n";
import { NEEDS, SATISFACTION, newRequest, nowIso, today, type Household, type ServiceRequest } from "../records";
import { personName } from "../directory";
import { formError, setFormError } from "../form_errors";

/** Whether a request is past its due day and not finished. */
export function isOverdue(r: ServiceRequest, on = today()): boolean {
  return !!r.due && r.due < on && r.status !== "resolved" && r.status !== "closed";
}

/** A request's state, due day and assignee as badges. */
export function requestBadges(r: ServiceRequest) {
  return html`<span class="badge ${r.status}">${code("st", r.status)}</span>
    ${r.urgency === "urgent" ? html`<span class="badge has_issues">${t("urg_urgent")}</span>` : nothing}
    ${r.due ? html`<small>${t("due_by")} ${r.due}</small>` : nothing}
    ${isOverdue(r) ? html`<span class="badge has_issues" data-testid="request-overdue">${t("request_overdue")}</span>` : nothing}
    ${r.assignee ? html`<small>${t("assigned_to")} ${personName(r.assignee)}${r.assignee_kind ? ` (${code("ak", r.assignee_kind)})` : ""}</small>` : nothing}`;
}

export function requestForm(ctx: Ctx, handle: DocHandle<Household>, d: Household) {
  const open = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const v = formValues(form);
    setFormError("request", v.description ? null : "required_description");
    ctx.refresh();
    if (!v.description) return;
    ctx.sync.create(newRequest(d.org, handle.documentId, v.category, v.description, ctx.session.user, v.urgency === "urgent" ? "urgent" : "normal", d.address));
    form.reset();
    ctx.toast(t("request_saved"));
    ctx.refresh();
  };
  return html`<form class="card form" data-testid="request-form" novalidate @submit=${open}>
    <h3>${t("open_request")}</h3>
    <label>${t("category")}<select name="category">${NEEDS.map(c => html`<option value=${c}>${code("rq", c)}</option>`)}</select></label>
    <label>${t("description")}<textarea name="description" rows="2" maxlength="2000"></textarea></label>
    <label>${t("urgency")}<select name="urgency"><option value="normal">${t("urg_normal")}</option><option value="urgent">${t("urg_urgent")}</option></select></label>
    <p class="error" data-testid="request-error" role="alert">${formError("request")}</p>
    <button class="primary" type="submit">${t("save")}</button>
  </form>`;
}

/** A request of the household: its state and history; once it is resolved, the resident's
 * satisfaction (§二十一) is recorded here. */
export function requestRow(ctx: Ctx, r: DocHandle<ServiceRequest>) {
  const d = plain(r.doc());
  const record = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    if (!v.satisfaction) return;
    r.change(x => {
      x.satisfaction = v.satisfaction as ServiceRequest["satisfaction"];
      x.log.push({ at: nowIso(), by: ctx.session.user, text: `${t("satisfaction")}: ${code("sat", v.satisfaction)}` });
    });
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
  const askable = (d.status === "resolved" || d.status === "closed") && !d.satisfaction;
  return html`<li data-testid="request" data-status=${d.status}>
    ${code("rq", d.category)} · ${d.description} ${requestBadges(d)} <small>${when(d.log?.[0]?.at)}</small>
    ${d.outcome ? html`<p>${t("outcome")}: ${d.outcome}</p>` : nothing}
    ${d.satisfaction ? html`<span class="badge" data-testid="request-satisfaction">${code("sat", d.satisfaction)}</span>` : nothing}
    ${(d.log ?? []).length > 1 ? html`<details><summary>${t("log_entry")} (${d.log.length})</summary><ul class="list small">${d.log.map(l => html`<li>${when(l.at)} ${personName(l.by)}: ${l.text}</li>`)}</ul></details>` : nothing}
    ${askable
      ? html`<form class="form" data-testid="satisfaction-form" @submit=${record}>
          <label>${t("record_satisfaction")}<select name="satisfaction" required><option value="">${t("please_choose")}</option>${SATISFACTION.map(s => html`<option value=${s}>${code("sat", s)}</option>`)}</select></label>
          <button class="primary" type="submit">${t("save")}</button>
        </form>`
      : nothing}
  </li>`;
}
