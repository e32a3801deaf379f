// A household's members as the grid worker keeps them: the fields of a new member, and each
// resident's employment (dated) and skills trainings.
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { formValues, type Ctx } from "../context";
import { code, t } from "../i18n";
import { EMPLOYMENT, RELATIONS, newId, newMember, today, type Household, type Member } from "../records";

/** Member fields from a form, leaving out what was not filled in. */
export function memberFrom(v: Record<string, string>): Member {
  const m = newMember({ name: v.name });
  if (v.gender) m.gender = v.gender;
  if (v.birth_year && Number(v.birth_year) > 1890) m.birth_year = Math.trunc(Number(v.birth_year));
  if (v.relation) m.relation = v.relation;
  if (v.phone) m.phone = v.phone;
  if (v.employment) m.employment = v.employment;
  m.health_record = v.health_record === "on";
  return m;
}

export function memberFields(withRelation: boolean) {
  return html`
    <label>${t("gender")}<select name="gender"><option value=""></option><option value="male">${t("male")}</option><option value="female">${t("female")}</option></select></label>
    <label>${t("birth_year")}<input name="birth_year" type="number" min="1900" max="2100" inputmode="numeric" /></label>
    ${withRelation ? html`<label>${t("relation")}<select name="relation">${RELATIONS.filter(r => r !== "head").map(r => html`<option value=${r}>${code("rel", r)}</option>`)}</select></label>` : nothing}
    <label>${t("phone")}<input name="phone" type="tel" inputmode="tel" /></label>
    <label>${t("employment")}<select name="employment"><option value=""></option>${EMPLOYMENT.map(e => html`<option value=${e}>${code("emp", e)}</option>`)}</select></label>
    <label class="check"><input name="health_record" type="checkbox" /> ${t("health_record")}</label>`;
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

