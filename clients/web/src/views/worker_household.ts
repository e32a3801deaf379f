// One household on the grid worker's phone: its address, members, visits and requests.
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { plain } from "../sync";
import { formValues, type Ctx } from "../context";
import { code, t } from "../i18n";
import { CATEGORIES, NEEDS, dayOf, newId, newRequest, nowIso, type Household, type ServiceRequest } from "../records";
import { memberFields, memberFrom, memberRow } from "./worker_members";
import { requestRow } from "./worker_requests";
import { nav } from "./worker_nav";

export function householdDetail(ctx: Ctx, handle: DocHandle<Household>, requests: DocHandle<ServiceRequest>[]) {
  const d = plain(handle.doc());
  const me = ctx.session.user;
  const editAddress = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    if (v.address && v.address !== d.address) handle.change(x => { x.address = v.address; });
    ctx.refresh();
  };
  const addMember = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const v = formValues(form);
    if (!v.name) return;
    handle.change(x => { x.members[newId()] = memberFrom(v); });
    form.reset();
    ctx.refresh();
  };
  const logVisit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const v = formValues(form);
    const needs = NEEDS.filter(n => (form.elements.namedItem(`need_${n}`) as HTMLInputElement)?.checked);
    handle.change(x => {
      x.visits.push({
        id: newId(),
        at: nowIso(),
        by: me,
        purpose: v.purpose,
        notes: v.notes,
        needs,
        ...(v.follow_up ? { follow_up: v.follow_up } : {}),
      });
    });
    form.reset();
    ctx.refresh();
  };
  const openRequest = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const v = formValues(form);
    if (!v.description) return;
    ctx.sync.create(newRequest(d.org, handle.documentId, v.category, v.description, me));
    form.reset();
    ctx.refresh();
  };
  const resubmit = () => handle.change(x => { if (x.review && String(x.review.status) === "has_issues") x.review.status = "received"; });
  const mine = requests.filter(r => plain(r.doc()).household === handle.documentId);
  return html`
    <button class="link" @click=${() => { nav.selected = null; ctx.refresh(); }}>← ${t("back")}</button>
    <section class="card" data-testid="household-detail">
      <form class="row" @submit=${editAddress}>
        <input name="address" aria-label=${t("address")} data-testid="address" .value=${d.address} required />
        <button type="submit">${t("save")}</button>
      </form>
      ${d.review?.status === "has_issues" ? html`<p class="note">${t("sent_back")}: ${d.review.note} <button @click=${resubmit}>${t("resubmit")}</button></p>` : nothing}
      <h3>${t("members")}</h3>
      <ul class="list">${Object.entries(d.members).filter(([, m]) => !m.removed_reason).map(([id, m]) => memberRow(ctx, handle, id, m))}</ul>
      <details data-testid="add-member"><summary>${t("add_member")}</summary>
        <form class="form" @submit=${addMember}>
          <label>${t("your_name")}<input name="name" required /></label>
          ${memberFields(true)}
          <button class="primary" type="submit">${t("add")}</button>
        </form></details>
    </section>
    <form class="card form" data-testid="visit-form" @submit=${logVisit}>
      <h3>${t("log_visit")}</h3>
      <label>${t("purpose")}<input name="purpose" required /></label>
      <label>${t("notes")}<textarea name="notes" rows="3"></textarea></label>
      <fieldset><legend>${t("needs")}</legend>${NEEDS.map(n => html`<label class="check"><input type="checkbox" name=${`need_${n}`} /> ${code("need", n)}</label>`)}</fieldset>
      <label>${t("follow_up")}<input name="follow_up" type="date" /></label>
      <button class="primary" type="submit">${t("save")}</button>
    </form>
    <section class="card">
      <h3>${t("visits")}</h3>
      <ul class="list">${[...(d.visits ?? [])].reverse().map(v => html`<li data-testid="visit">
        <b>${dayOf(v.at)}</b> ${v.purpose} <small>${v.by}</small>
        ${v.notes ? html`<p>${v.notes}</p>` : nothing}
        ${(v.needs ?? []).map(n => html`<span class="badge">${code("need", n)}</span>`)}
        ${v.follow_up ? html`<small>${t("follow_up")} ${v.follow_up}</small>` : nothing}
        ${v.review?.status === "has_issues" ? html`<p class="note">${t("sent_back")}: ${v.review.note}</p>` : nothing}
      </li>`)}</ul>
    </section>
    <form class="card form" data-testid="request-form" @submit=${openRequest}>
      <h3>${t("open_request")}</h3>
      <label>${t("category")}<select name="category">${CATEGORIES.map(c => html`<option value=${c}>${code("cat", c)}</option>`)}</select></label>
      <label>${t("description")}<textarea name="description" rows="2" required></textarea></label>
      <button class="primary" type="submit">${t("save")}</button>
      <ul class="list">${mine.map(r => requestRow(ctx, r))}</ul>
    </form>`;
}

