// A household's members as the grid worker keeps them: every field of a member (edited in
// place, only what changed is written), removing one who left (with why and when: members
// are never deleted), the head of household, and each resident's dated employment and
// skills trainings. Everything here works offline.
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { formValues, type Ctx } from "../context";
import { code, t } from "../i18n";
import { DISABILITY_KINDS, EMPLOYMENT, RELATIONS, REMOVAL_REASONS, newId, newMember, today, type Household, type Member } from "../records";

/** The values of a member form, as the member record holds them (absent: not filled in). */
function fieldsFrom(v: Record<string, string>): Partial<Member> {
  const out: Partial<Member> = {
    name: v.name,
    gender: v.gender ?? "",
    phone: v.phone ?? "",
    id_tail: (v.id_tail ?? "").toUpperCase(),
    health_record: v.health_record === "on",
  };
  if (v.relation) out.relation = v.relation;
  const year = Math.trunc(Number(v.birth_year));
  out.birth_year = v.birth_year && year >= 1900 && year <= 2199 ? year : undefined;
  out.disability = v.disability_kind
    ? { kind: v.disability_kind, ...(v.disability_grade ? { grade: Number(v.disability_grade) } : {}) }
    : undefined;
  return out;
}

/** A new member from a form. */
export function memberFrom(v: Record<string, string>): Member {
  const m = newMember({ name: v.name });
  const fields = fieldsFrom(v);
  for (const [k, value] of Object.entries(fields)) {
    if (value !== undefined) (m as unknown as Record<string, unknown>)[k] = value;
  }
  if (v.employment) m.employment = v.employment;
  return m;
}

/** The fields of a member, filled in with `m` when editing one. */
export function memberFields(withRelation: boolean, m?: Member, withEmployment = true) {
  const dis = m?.disability ?? null;
  return html`
    ${m ? html`<label>${t("member_name")}<input name="name" required maxlength="50" .value=${m.name} /></label>` : nothing}
    <label>${t("gender")}<select name="gender"><option value=""></option>${["male", "female"].map(g => html`<option value=${g} ?selected=${m?.gender === g || (g === "male" && m?.gender === "男") || (g === "female" && m?.gender === "女")}>${t(g as "male" | "female")}</option>`)}</select></label>
    <label>${t("birth_year")}<input name="birth_year" type="number" min="1900" max="2199" inputmode="numeric" .value=${m?.birth_year ? String(m.birth_year) : ""} /></label>
    ${withRelation ? html`<label>${t("relation")}<select name="relation">${RELATIONS.filter(r => r !== "head").map(r => html`<option value=${r} ?selected=${m?.relation === r}>${code("rel", r)}</option>`)}</select></label>` : nothing}
    <label>${t("phone")}<input name="phone" type="tel" inputmode="tel" maxlength="20" pattern="[0-9 +()*-]*" .value=${m?.phone ?? ""} /></label>
    <label>${t("id_tail")}<input name="id_tail" maxlength="4" pattern="[0-9Xx]{0,4}" inputmode="numeric" .value=${m?.id_tail ?? ""} /></label>
    ${withEmployment ? html`<label>${t("employment")}<select name="employment"><option value=""></option>${EMPLOYMENT.map(e => html`<option value=${e}>${code("emp", e)}</option>`)}</select></label>` : nothing}
    <label class="check"><input name="health_record" type="checkbox" ?checked=${m?.health_record ?? false} /> ${t("health_record")}</label>
    <fieldset class="inline"><legend>${t("disability")}</legend>
      <label>${t("disability_kind")}<select name="disability_kind"><option value="">${t("no_disability")}</option>${DISABILITY_KINDS.map(k => html`<option value=${k} ?selected=${dis?.kind === k}>${code("dis", k)}</option>`)}</select></label>
      <label>${t("disability_grade")}<select name="disability_grade"><option value=""></option>${[1, 2, 3, 4].map(g => html`<option value=${g} ?selected=${dis?.grade === g}>${code("grade", String(g))}</option>`)}</select></label>
    </fieldset>`;
}

/** Writes into `member` only the fields whose value differs (so two phones editing different
 * fields of one member never meet on the same field). */
function writeChanged(member: Member, fields: Partial<Member>): void {
  const target = member as unknown as Record<string, unknown>;
  for (const [k, value] of Object.entries(fields)) {
    if (k === "disability") continue;
    if (value === undefined) {
      if (k in target && target[k] !== null && k === "birth_year") delete target[k];
      continue;
    }
    if (target[k] !== value) target[k] = value;
  }
  const want = fields.disability;
  const have = member.disability ?? null;
  if (!want) {
    if (have) delete member.disability;
  } else if (!have) {
    member.disability = want.grade ? { kind: want.kind, grade: want.grade } : { kind: want.kind };
  } else {
    if (have.kind !== want.kind) have.kind = want.kind;
    if (want.grade && have.grade !== want.grade) have.grade = want.grade;
    if (!want.grade && have.grade != null) delete have.grade;
  }
}

function saved(ctx: Ctx) {
  if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
  ctx.refresh();
}

/** The form that edits every field of a member, the form that removes one, and the button
 * that makes them head of household. */
function memberEditing(ctx: Ctx, handle: DocHandle<Household>, id: string, m: Member) {
  const edit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    if (!form.reportValidity()) return;
    const fields = fieldsFrom(formValues(form));
    if (!fields.name) return;
    handle.change(x => writeChanged(x.members[id], fields));
    (form.closest("details") as HTMLDetailsElement | null)?.removeAttribute("open");
    saved(ctx);
  };
  const remove = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    if (!v.reason || !v.on) return;
    handle.change(x => {
      x.members[id].removed_reason = v.reason;
      x.members[id].removed_on = v.on;
    });
    saved(ctx);
  };
  const makeHead = () => {
    handle.change(x => {
      for (const [other, member] of Object.entries(x.members)) {
        if (other !== id && member.relation === "head" && !member.removed_reason) member.relation = "other";
      }
      x.members[id].relation = "head";
    });
    saved(ctx);
  };
  return html`
    <details><summary data-testid="member-edit-open">${t("edit_member")}</summary>
      <form class="form" data-testid="member-edit" @submit=${edit}>
        ${memberFields(m.relation !== "head", m, false)}
        <button class="primary" type="submit">${t("save")}</button>
      </form>
    </details>
    ${m.relation === "head" ? nothing : html`<button type="button" data-testid="make-head" @click=${makeHead}>${t("make_head")}</button>`}
    <details><summary data-testid="member-remove-open">${t("remove_member")}</summary>
      <form class="form" data-testid="member-remove" @submit=${remove}>
        <label>${t("removed_reason")}<select name="reason" required><option value="">${t("please_choose")}</option>${REMOVAL_REASONS.map(r => html`<option value=${r}>${code("why", r)}</option>`)}</select></label>
        <label>${t("removed_on")}<input type="date" name="on" required .value=${today()} max=${today()} /></label>
        <button class="danger" type="submit">${t("remove_member")}</button>
      </form>
    </details>`;
}

/** A member's employment now: the latest dated status, else the undated one. */
function employmentNow(m: Member): { status: string; since: string | null } {
  const dated = Object.values(m.employment_history ?? {}).filter(s => s.since && s.status).sort((a, b) => a.since.localeCompare(b.since));
  const last = dated[dated.length - 1];
  return last ? { status: last.status, since: last.since } : { status: m.employment, since: null };
}

/** A resident with their employment and trainings, and forms to record a change of
 * employment (with the day it happened) and a training. */
export function memberRow(ctx: Ctx, handle: DocHandle<Household>, id: string, m: Member) {
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
    <b>${m.name}</b> · ${code("rel", m.relation)} ${m.birth_year ? `· ${m.birth_year}` : ""}
    ${m.phone ? html`· <a href=${`tel:${m.phone.replace(/[^0-9+]/g, "")}`}>${m.phone}</a>` : nothing}
    ${m.disability?.kind ? html`<span class="badge" data-testid="member-disability">${t("disability")} ${code("dis", m.disability.kind)}${m.disability.grade ? ` ${code("grade", String(m.disability.grade))}` : ""}</span>` : nothing}
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
    ${memberEditing(ctx, handle, id, m)}
  </li>`;
}


/** Members who left, with why and when. */
export function formerMembers(h: Household) {
  const gone = Object.entries(h.members ?? {}).filter(([, m]) => m.removed_reason);
  if (gone.length === 0) return nothing;
  return html`<details data-testid="former-members"><summary>${t("former_members")} (${gone.length})</summary>
    <ul class="list small">${gone.map(([, m]) => html`<li data-testid="former-member" data-name=${m.name}>${m.name} · ${code("why", m.removed_reason)} ${m.removed_on ?? ""}</li>`)}</ul>
  </details>`;
}
