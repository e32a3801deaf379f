// One household on the grid worker's phone: its address, follow-up plan, tags, members,
// visits and requests.
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { plain } from "../sync";
import { formValues, type Ctx } from "../context";
import { code, t } from "../i18n";
import { newId, today, type Household, type ServiceRequest } from "../records";
import { followUpOf } from "../follow_up";
import { formerMembers, memberFields, memberFrom, memberRow } from "./worker_members";
import { requestForm, requestRow } from "./worker_requests";
import { tagPanel } from "./worker_tags";
import { visitForm, visitList } from "./worker_visits";
import { nav } from "./worker_nav";

/** When the household is next to be visited, and how often. */
function plan(d: Household, rules: Record<string, number>) {
  const f = followUpOf(d, today(), rules);
  const late = f.state === "never" || f.state === "overdue";
  return html`<p class="plan" data-testid="follow-up-plan" data-state=${f.state}>
    ${t("follow_up_plan")}: ${code("due", f.state === "later" ? "" : f.state)}
    ${f.due ? html`<span class="badge ${late ? "has_issues" : ""}">${t("next_visit")} ${f.due}</span>` : nothing}
    <small>${f.every} ${t("every_days")}</small></p>`;
}

export function householdDetail(
  ctx: Ctx,
  handle: DocHandle<Household>,
  requests: DocHandle<ServiceRequest>[],
  rules: Record<string, number>,
) {
  const d = plain(handle.doc());
  const editAddress = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    if (v.address && v.address !== d.address) handle.change(x => { x.address = v.address; });
    ctx.refresh();
  };
  const addMember = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    if (!form.reportValidity()) return;
    const v = formValues(form);
    if (!v.name) return;
    handle.change(x => { x.members[newId()] = memberFrom(v); });
    form.reset();
    (form.closest("details") as HTMLDetailsElement | null)?.removeAttribute("open");
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
  const resubmit = () => handle.change(x => { if (x.review && String(x.review.status) === "has_issues") x.review.status = "received"; });
  const mine = requests.filter(r => plain(r.doc()).household === handle.documentId);
  return html`
    <button class="link" data-testid="back" @click=${() => { nav.selected = null; ctx.refresh(); }}>← ${t("back")}</button>
    <section class="card" data-testid="household-detail">
      <form class="row" @submit=${editAddress}>
        <input name="address" aria-label=${t("address")} data-testid="address" .value=${d.address} required maxlength="200" />
        <button type="submit">${t("save")}</button>
      </form>
      ${plan(d, rules)}
      ${d.review?.status === "has_issues" ? html`<p class="note">${t("sent_back")}: ${d.review.note} <button @click=${resubmit}>${t("resubmit")}</button></p>` : nothing}
    </section>
    ${visitForm(ctx, handle)}
    <section class="card" data-testid="household-members">
      <h3>${t("members")}</h3>
      <ul class="list">${Object.entries(d.members).filter(([, m]) => !m.removed_reason).map(([id, m]) => memberRow(ctx, handle, id, m))}</ul>
      ${formerMembers(d)}
      <details data-testid="add-member"><summary>${t("add_member")}</summary>
        <form class="form" @submit=${addMember}>
          <label>${t("member_name")}<input name="name" required maxlength="50" /></label>
          ${memberFields(true)}
          <button class="primary" type="submit">${t("add")}</button>
        </form></details>
    </section>
    ${tagPanel(ctx, handle, d)}
    ${visitList(d)}
    ${requestForm(ctx, handle, d)}
    <section class="card"><h3>${t("requests")}</h3><ul class="list">${mine.map(r => requestRow(ctx, r))}</ul></section>`;
}
