// The grid worker's screens: the grid's households, registering a household and its
// members, logging visits with needs and a follow-up date, opening service requests, and
// the follow-ups that are overdue. Everything here works offline.
import { html, nothing } from "lit-html";
import type { DocHandle, DocumentId } from "@automerge/automerge-repo/slim";
import { discover } from "../discover";
import { plain } from "../sync";
import { formValues, when, type Ctx } from "../context";
import { code, t } from "../i18n";
import {
  CATEGORIES,
  EMPLOYMENT,
  NEEDS,
  SATISFACTION,
  RELATIONS,
  dayOf,
  headName,
  residentsOf,
  newHousehold,
  newId,
  newMember,
  newRequest,
  nowIso,
  overdueFollowUp,
  today,
  type Household,
  type Member,
  type ServiceRequest,
} from "../records";

let discovery: Promise<void> | null = null;
let selected: DocumentId | null = null;
let registering = false;

/** Looks for new documents on the server again (after reconnecting). */
export function rediscoverWorker(): void {
  discovery = null;
}

function ready<T>(ctx: Ctx, kind: string): DocHandle<T>[] {
  return ctx.sync
    .open_handles<T>()
    .filter(h => h.isReady() && (plain(h.doc()) as { kind?: string })?.kind === kind);
}

/** The grid a new household belongs to: the worker's own grid. */
function grid(ctx: Ctx): string {
  return ctx.session.org;
}

/** Member fields from a form, leaving out what was not filled in. */
function memberFrom(v: Record<string, string>): Member {
  const m = newMember({ name: v.name });
  if (v.gender) m.gender = v.gender;
  if (v.birth_year && Number(v.birth_year) > 1890) m.birth_year = Math.trunc(Number(v.birth_year));
  if (v.relation) m.relation = v.relation;
  if (v.phone) m.phone = v.phone;
  if (v.employment) m.employment = v.employment;
  m.health_record = v.health_record === "on";
  return m;
}

function memberFields(withRelation: boolean) {
  return html`
    <label>${t("gender")}<select name="gender"><option value=""></option><option value="male">${t("male")}</option><option value="female">${t("female")}</option></select></label>
    <label>${t("birth_year")}<input name="birth_year" type="number" min="1900" max="2100" inputmode="numeric" /></label>
    ${withRelation ? html`<label>${t("relation")}<select name="relation">${RELATIONS.filter(r => r !== "head").map(r => html`<option value=${r}>${code("rel", r)}</option>`)}</select></label>` : nothing}
    <label>${t("phone")}<input name="phone" type="tel" inputmode="tel" /></label>
    <label>${t("employment")}<select name="employment"><option value=""></option>${EMPLOYMENT.map(e => html`<option value=${e}>${code("emp", e)}</option>`)}</select></label>
    <label class="check"><input name="health_record" type="checkbox" /> ${t("health_record")}</label>`;
}

function registerForm(ctx: Ctx) {
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    if (!v.address || !v.name) return;
    const handle = ctx.sync.create(newHousehold(grid(ctx), v.address, memberFrom(v)));
    registering = false;
    selected = handle.documentId;
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
  return html`<form class="card form" data-testid="register-household" @submit=${submit}>
    <h2>${t("register_household")}</h2>
    <label>${t("address")}<input name="address" required maxlength="200" /></label>
    <label>${t("head_name")}<input name="name" required maxlength="50" /></label>
    ${memberFields(false)}
    <div class="row"><button class="primary" type="submit">${t("save")}</button>
    <button type="button" @click=${() => { registering = false; ctx.refresh(); }}>${t("cancel")}</button></div>
  </form>`;
}

function overdueList(ctx: Ctx, households: DocHandle<Household>[]) {
  const on = today();
  const due = households
    .map(h => ({ h, date: overdueFollowUp(plain(h.doc()), on) }))
    .filter(x => x.date)
    .sort((a, b) => a.date!.localeCompare(b.date!));
  return html`<section class="card" data-testid="overdue">
    <h2>${t("overdue")} <span class="count">${due.length}</span></h2>
    ${due.length === 0 ? html`<p>${t("no_overdue")}</p>` : nothing}
    <ul class="list">${due.map(
      x => html`<li><button class="row-link" @click=${() => { selected = x.h.documentId; ctx.refresh(); }}>
        <b>${plain(x.h.doc()).address}</b> <span>${headName(plain(x.h.doc()))}</span> <span class="badge has_issues">${t("due")} ${x.date}</span></button></li>`,
    )}</ul>
  </section>`;
}

function householdList(ctx: Ctx, households: DocHandle<Household>[]) {
  const sorted = [...households].sort((a, b) => plain(a.doc()).address.localeCompare(plain(b.doc()).address));
  return html`<section class="card">
    <div class="row spread"><h2>${t("households")} <span class="count">${households.length}</span></h2>
    <button class="primary" data-testid="new-household" @click=${() => { registering = true; ctx.refresh(); }}>${t("register_household")}</button></div>
    ${households.length === 0 ? html`<p>${t("no_households")}</p>` : nothing}
    <ul class="list">${sorted.map(h => {
      const d = plain(h.doc());
      const visits = d.visits ?? [];
      const last = visits[visits.length - 1];
      return html`<li data-testid="household" data-address=${d.address}><button class="row-link" @click=${() => { selected = h.documentId; ctx.refresh(); }}>
        <b>${d.address}</b> <span>${headName(d)} · ${residentsOf(d).length} ${t("person_count")}</span>
        <small>${last ? `${t("last_visit")} ${dayOf(last.at)}` : t("not_visited")}</small>
        ${d.review?.status === "has_issues" ? html`<span class="badge has_issues">${t("sent_back")}</span>` : nothing}
      </button></li>`;
    })}</ul>
  </section>`;
}

/** A member's employment now: the latest dated status, else the undated one. */
function employmentNow(m: Member): { status: string; since: string | null } {
  const dated = Object.values(m.employment_history ?? {}).filter(s => s.since && s.status).sort((a, b) => a.since.localeCompare(b.since));
  const last = dated[dated.length - 1];
  return last ? { status: last.status, since: last.since } : { status: m.employment, since: null };
}

/** A resident with their employment and trainings, and forms to record a change of
 * employment (with the day it happened) and a training. */
function memberRow(ctx: Ctx, handle: DocHandle<Household>, id: string, m: Member) {
  const now = employmentNow(m);
  const yesNo = (v: boolean | undefined) => (v === undefined ? "" : v ? "yes" : "no");
  const fromYesNo = (v: string) => (v === "yes" ? true : v === "no" ? false : undefined);
  const recordEmployment = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    if (!v.status || !v.since) return;
    handle.change(x => {
      const member = x.members[id];
      member.employment_history ??= {};
      member.employment_history[newId()] = { since: v.since, status: v.status };
      // The undated field keeps the latest status for readers that know no history.
      const latest = Object.values(member.employment_history).reduce((a, b) => (b.since >= a.since ? b : a));
      member.employment = latest.status;
      const able = fromYesNo(v.able);
      const willing = fromYesNo(v.willing);
      if (able === undefined) delete member.able_to_work; else member.able_to_work = able;
      if (willing === undefined) delete member.willing_to_work; else member.willing_to_work = willing;
    });
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
  const recordTraining = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const v = formValues(form);
    if (!v.on || !v.course) return;
    handle.change(x => {
      const member = x.members[id];
      member.trainings ??= {};
      member.trainings[newId()] = { on: v.on, course: v.course };
    });
    form.reset();
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
  const history = Object.values(m.employment_history ?? {}).sort((a, b) => b.since.localeCompare(a.since));
  const trainings = Object.values(m.trainings ?? {}).sort((a, b) => b.on.localeCompare(a.on));
  return html`<li data-testid="member" data-name=${m.name}>
    ${m.name} · ${code("rel", m.relation)} ${m.birth_year ? `· ${m.birth_year}` : ""}
    <span data-testid="employment-now">${now.status ? `· ${code("emp", now.status)}${now.since ? ` ${t("since")} ${now.since}` : ""}` : ""}</span>
    <details><summary data-testid="employment-open">${t("employment_and_training")}</summary>
      <form class="form" data-testid="employment-form" @submit=${recordEmployment}>
        <label>${t("employment")}<select name="status" required>${EMPLOYMENT.map(s => html`<option value=${s} ?selected=${s === now.status}>${code("emp", s)}</option>`)}</select></label>
        <label>${t("since")}<input type="date" name="since" required .value=${today()} /></label>
        <label>${t("able_to_work")}<select name="able">${["", "yes", "no"].map(o => html`<option value=${o} ?selected=${o === yesNo(m.able_to_work)}>${o ? t(o as "yes" | "no") : t("not_asked")}</option>`)}</select></label>
        <label>${t("willing_to_work")}<select name="willing">${["", "yes", "no"].map(o => html`<option value=${o} ?selected=${o === yesNo(m.willing_to_work)}>${o ? t(o as "yes" | "no") : t("not_asked")}</option>`)}</select></label>
        <button class="primary" type="submit">${t("save")}</button>
      </form>
      ${history.length ? html`<ul class="list small">${history.map(s => html`<li>${s.since} · ${code("emp", s.status)}</li>`)}</ul>` : nothing}
      <form class="form" data-testid="training-form" @submit=${recordTraining}>
        <label>${t("training_on")}<input type="date" name="on" required /></label>
        <label>${t("training_course")}<input name="course" required maxlength="100" /></label>
        <button type="submit">${t("add_training")}</button>
      </form>
      ${trainings.length ? html`<ul class="list small">${trainings.map(tr => html`<li data-testid="training">${tr.on} · ${tr.course}</li>`)}</ul>` : nothing}
    </details>
  </li>`;
}

function detail(ctx: Ctx, handle: DocHandle<Household>, requests: DocHandle<ServiceRequest>[]) {
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
    <button class="link" @click=${() => { selected = null; ctx.refresh(); }}>← ${t("back")}</button>
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

/** A request of the household; an open one can be marked done, with how satisfied the
 * household was (§二十一). */
function requestRow(ctx: Ctx, r: DocHandle<ServiceRequest>) {
  const d = plain(r.doc());
  const finish = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    r.change(x => {
      x.status = "resolved";
      x.log.push({ at: nowIso(), by: ctx.session.user, text: v.note ?? "", status: "resolved" });
      x.satisfaction = (v.satisfaction ?? "") as ServiceRequest["satisfaction"];
    });
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
  const done = d.status === "resolved" || d.status === "closed";
  return html`<li data-testid="request">${d.description} <span class="badge ${d.status}">${code("st", d.status)}</span> <small>${when(d.log?.[0]?.at)}</small>
    ${d.satisfaction ? html`<span class="badge">${code("sat", d.satisfaction)}</span>` : nothing}
    ${done
      ? nothing
      : html`<details><summary data-testid="finish-open">${t("finish_request")}</summary>
          <form class="form" data-testid="finish-request" @submit=${finish}>
            <label>${t("note")}<input name="note" /></label>
            <label>${t("satisfaction")}<select name="satisfaction"><option value="">${t("not_asked")}</option>${SATISFACTION.map(s => html`<option value=${s}>${code("sat", s)}</option>`)}</select></label>
            <button class="primary" type="submit">${t("save")}</button>
          </form></details>`}
  </li>`;
}

export function workerView(ctx: Ctx) {
  discovery ??= discover(ctx, ["household", "request"]);
  const households = ready<Household>(ctx, "household").filter(h => !plain(h.doc()).merged_into);
  const requests = ready<ServiceRequest>(ctx, "request");
  if (selected) {
    const handle = households.find(h => h.documentId === selected);
    if (handle) return detail(ctx, handle, requests);
    selected = null;
  }
  if (registering) return registerForm(ctx);
  return html`${overdueList(ctx, households)}${householdList(ctx, households)}`;
}
