// A resident signs up as a volunteer of their community (issue #20), from the login screen and
// with no login: community, name, phone, ID document, skills and times offered, the login and
// password they will use, and their consent to the volunteer service record. What is needed is
// checked here before sending; the server checks the rest (an ID card's check digit, a login
// taken) and its refusal is said next to the field it names, in the current language, with the
// server's own words as the detail. Once sent: a page saying the community will review it.
// Loaded by main.ts only when asked for (`#sign-up`), so the login form stays small.
import { html, nothing } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { AuthError } from "../auth";
import { formError, setFormError } from "../form_errors";
import { t, toggleLang, type Key } from "../i18n";
import { AVAILABILITY, ID_TYPES, SKILLS, volunteerWords } from "../words_volunteers";
import { fill } from "./people/shared";
import { keepRefusal, refusalView } from "./refusal";

interface CommunityChoice {
  org: string;
  name: string;
}

/** The fields the server names in its refusals (`id_number: …`), in the form's order. */
const FIELDS = ["community", "name", "phone", "id_type", "id_number", "skills", "availability", "login", "password", "consent"] as const;
type Field = (typeof FIELDS)[number];

/** Each field's word when it is wrong, for what the browser finds and for any refusal of the
 * server's not known below. */
const WRONG: Record<Field, Key> = {
  community: "su_err_community",
  name: "su_err_name",
  phone: "su_err_phone",
  id_type: "su_err_id_type",
  id_number: "su_err_id_number",
  skills: "su_err_skills",
  availability: "su_err_availability",
  login: "su_err_login",
  password: "su_err_password",
  consent: "su_err_consent",
};

/** The server's refusals known by its words (after the field's name), and their words. */
const KNOWN: [RegExp, Key][] = [
  [/no such community/, "su_err_community_gone"],
  [/has 18 characters/, "su_err_id_length"],
  [/check digit/, "su_err_id_check"],
  [/birth date/, "su_err_id_birth"],
  [/5 to 20 letters/, "su_err_id_other"],
  [/signed up already/, "su_err_id_taken"],
  [/login name is taken/, "su_err_login_taken"],
];

/** The form's key in form_errors: one per field, and `signup` for what names none. */
const formKey = (field: Field | "") => (field ? `signup:${field}` : "signup");

const state = {
  communities: null as CommunityChoice[] | null,
  loadFailed: false,
  loading: false,
  community: "",
  name: "",
  phone: "",
  id_type: "resident_id",
  id_number: "",
  skills: new Set<string>(),
  otherSkills: "",
  availability: new Set<string>(),
  login: "",
  password: "",
  consent: false,
  sending: false,
  /** The browser found fields to put right (said by the button too). */
  marked: false,
  /** What was sent, once the server took it. */
  sent: null as { login: string; community: string } | null,
};

async function loadCommunities(rerender: () => void): Promise<void> {
  if (state.loading) return;
  state.loading = true;
  state.loadFailed = false;
  rerender();
  try {
    const r = await fetch("/api/volunteers/communities");
    if (!r.ok) throw new Error(String(r.status));
    state.communities = (await r.json()) as CommunityChoice[];
    if (state.communities.length === 1 && !state.community) state.community = state.communities[0].org;
  } catch {
    state.loadFailed = true;
  } finally {
    state.loading = false;
    rerender();
  }
}

/** A community as offered: by name, and by name and code when two share a name. */
function communityLabel(c: CommunityChoice): string {
  const twins = (state.communities ?? []).filter(o => o.name === c.name).length > 1;
  return twins ? `${c.name}（${c.org}）` : c.name;
}

/** The skills to send: the ones ticked (in Chinese, the records' language) and the ones
 * written, each once. */
function skillsToSend(): string[] {
  const ticked = SKILLS.filter(k => state.skills.has(k)).map(k => volunteerWords[`sk_${k}`][0]);
  const written = state.otherSkills.split(/[、,，;；\n]+/).map(s => s.trim()).filter(Boolean);
  return [...new Set([...ticked, ...written])];
}

/** What the browser can tell is missing or wrong, field by field. */
function check(): Field[] {
  const wrong: Field[] = [];
  const phone = state.phone.replace(/[\s-]/g, "");
  const skills = skillsToSend();
  if (!state.community) wrong.push("community");
  if (!state.name.trim() || [...state.name.trim()].length > 50) wrong.push("name");
  if (!/^\d{7,15}$/.test(phone)) wrong.push("phone");
  if (!state.id_type) wrong.push("id_type");
  if (!state.id_number.trim()) wrong.push("id_number");
  if (skills.length > 10 || skills.some(s => [...s].length > 20)) wrong.push("skills");
  const login = state.login.trim();
  if (!login || [...login].length > 50 || /[\s/:]/.test(login)) wrong.push("login");
  if ([...state.password].length < 8) wrong.push("password");
  if (!state.consent) wrong.push("consent");
  return wrong;
}

/** Moves the focus to a field's control once drawn (after a refusal, the field it names). */
function focusField(field: Field): void {
  requestAnimationFrame(() => {
    const el = document.querySelector<HTMLElement>(`[data-field="${field}"]`);
    if (!el) return;
    el.focus();
    el.scrollIntoView({ block: "center" });
  });
}

function clearErrors(): void {
  for (const f of FIELDS) setFormError(formKey(f), null);
  setFormError(formKey(""), null);
  state.marked = false;
}

/** The server's refusal said next to the field it names (`id_number: …`), else above the
 * button. */
function refused(e: unknown): Field | null {
  if (e instanceof AuthError && (e.status === 400 || e.status === 409)) {
    let said = "";
    try {
      said = String((JSON.parse(e.message) as { error?: string }).error ?? "");
    } catch {
      said = e.message.slice(0, 300);
    }
    const m = said.match(/^(\w+): (.*)$/s);
    const field = m && (FIELDS as readonly string[]).includes(m[1]) ? (m[1] as Field) : null;
    if (field && m) {
      const known = KNOWN.find(([re]) => re.test(m[2]))?.[1];
      setFormError(formKey(field), known ?? WRONG[field], m[2]);
      return field;
    }
  }
  if (e instanceof AuthError && e.status === 429) setFormError(formKey(""), "too_many");
  else keepRefusal(formKey(""), e);
  return null;
}

export interface SignUpHooks {
  /** Back to the login form, with the login name chosen when there is one. */
  back(login?: string): void;
  rerender(): void;
}

/** The sign-up form, or once sent, the page saying what happens next. */
export function signUpView(hooks: SignUpHooks) {
  const { rerender } = hooks;
  if (state.sent) return sentView(hooks);
  if (state.communities === null && !state.loading && !state.loadFailed) void loadCommunities(rerender);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (state.sending) return;
    clearErrors();
    const wrong = check();
    if (wrong.length) {
      for (const f of wrong) setFormError(formKey(f), WRONG[f]);
      state.marked = true;
      rerender();
      focusField(wrong[0]);
      return;
    }
    state.sending = true;
    rerender();
    try {
      const body = {
        community: state.community,
        name: state.name.trim(),
        phone: state.phone.trim(),
        id_type: state.id_type,
        id_number: state.id_number.trim(),
        skills: skillsToSend(),
        availability: AVAILABILITY.filter(a => state.availability.has(a)),
        consent: state.consent,
        login: state.login.trim(),
        password: state.password,
      };
      const r = await fetch("/api/volunteers/sign-up", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw await AuthError.from(r);
      const name = state.communities?.find(c => c.org === state.community)?.name ?? "";
      state.sent = { login: body.login, community: name };
      // A fresh form for whoever opens it next on this phone.
      Object.assign(state, { name: "", phone: "", id_type: "resident_id", id_number: "", otherSkills: "", login: "", password: "", consent: false });
      state.skills.clear();
      state.availability.clear();
    } catch (err) {
      const field = refused(err);
      if (field) focusField(field);
    } finally {
      state.sending = false;
      rerender();
    }
  };

  /** A field's error under it, with the id its control is described by. */
  const error = (field: Field) => html`<div id=${`su-msg-${field}`}>${refusalView(formKey(field), `su-${field}`)}</div>`;
  const invalid = (field: Field) => String(formError(formKey(field)) !== "");
  const described = (field: Field, hint = "") => [hint, `su-msg-${field}`].filter(Boolean).join(" ");
  const text = (field: "name" | "phone" | "id_number" | "login" | "password") => (e: Event) => {
    state[field] = (e.target as HTMLInputElement).value;
  };
  const tick = (set: Set<string>, value: string) => (e: Event) => {
    if ((e.target as HTMLInputElement).checked) set.add(value);
    else set.delete(value);
  };
  const communities = state.communities ?? [];

  return html`<main class="login signup" data-testid="signup">
    <div class="row spread">
      <button class="link" data-testid="signup-back" @click=${() => hooks.back()}>‹ ${t("su_back")}</button>
      <button class="link" data-testid="language" lang=${t("language") === "English" ? "en" : "zh-CN"}
        @click=${() => { toggleLang(); rerender(); }}>${t("language")}</button>
    </div>
    <h1 tabindex="-1" data-testid="signup-title">${t("su_title")}</h1>
    <p>${t("su_intro")}</p>
    <form class="form" data-testid="signup-form" novalidate @submit=${submit}>
      <section class="card form">
        <h2>${t("su_about_you")}</h2>
        <label>${t("su_community")}
          <select name="community" data-field="community" data-testid="su-community" aria-invalid=${invalid("community")}
            aria-describedby=${described("community", state.loadFailed ? "su-communities-failed" : "")}
            ?disabled=${state.communities === null}
            @change=${(e: Event) => { state.community = (e.target as HTMLSelectElement).value; }}>
            <option value="" ?selected=${!state.community}>${state.communities === null && !state.loadFailed ? t("su_communities_loading") : t("please_pick")}</option>
            ${communities.map(c => html`<option value=${c.org} ?selected=${state.community === c.org}>${communityLabel(c)}</option>`)}
          </select></label>
        ${state.loadFailed
          ? html`<div class="error" role="alert" id="su-communities-failed" data-testid="su-communities-failed">
              <p>${t("su_communities_failed")}</p>
              <button type="button" @click=${() => void loadCommunities(rerender)}>${t("try_again")}</button></div>`
          : nothing}
        ${error("community")}
        <label>${t("su_name")}<input name="name" data-field="name" data-testid="su-name" autocomplete="name" maxlength="50"
          aria-invalid=${invalid("name")} aria-describedby=${described("name")} .value=${live(state.name)} @input=${text("name")} /></label>
        ${error("name")}
        <label>${t("su_phone")}<input name="phone" type="tel" inputmode="tel" data-field="phone" data-testid="su-phone" autocomplete="tel" maxlength="20"
          aria-invalid=${invalid("phone")} aria-describedby=${described("phone")} .value=${live(state.phone)} @input=${text("phone")} /></label>
        ${error("phone")}
        <label>${t("su_id_type")}
          <select name="id_type" data-field="id_type" data-testid="su-id-type" aria-invalid=${invalid("id_type")} aria-describedby=${described("id_type")}
            @change=${(e: Event) => { state.id_type = (e.target as HTMLSelectElement).value; rerender(); }}>
            ${ID_TYPES.map(k => html`<option value=${k} ?selected=${state.id_type === k}>${t(`idt_${k}`)}</option>`)}
          </select></label>
        ${error("id_type")}
        <label>${t("su_id_number")}<input name="id_number" data-field="id_number" data-testid="su-id-number" autocomplete="off"
          autocapitalize="characters" spellcheck="false" maxlength="30"
          aria-invalid=${invalid("id_number")} aria-describedby=${described("id_number", state.id_type === "resident_id" ? "su-id-hint" : "")}
          .value=${live(state.id_number)} @input=${text("id_number")} /></label>
        ${state.id_type === "resident_id" ? html`<small class="small" id="su-id-hint">${t("su_id_hint")}</small>` : nothing}
        ${error("id_number")}
      </section>

      <section class="card form">
        <h2>${t("su_offer")}</h2>
        <fieldset class="ticks" data-field="skills" tabindex="-1" aria-describedby=${described("skills")}>
          <legend>${t("su_skills")}</legend>
          ${SKILLS.map(k => html`<label class="check"><input type="checkbox" data-testid="su-skill" data-skill=${k}
            .checked=${live(state.skills.has(k))} @change=${tick(state.skills, k)} />${t(`sk_${k}`)}</label>`)}
        </fieldset>
        <label>${t("su_skill_other")}<input name="other_skills" data-testid="su-skill-other" maxlength="200" autocomplete="off"
          .value=${live(state.otherSkills)} @input=${(e: Event) => { state.otherSkills = (e.target as HTMLInputElement).value; }} /></label>
        ${error("skills")}
        <fieldset class="ticks" data-field="availability" tabindex="-1" aria-describedby=${described("availability")}>
          <legend>${t("su_availability")}</legend>
          ${AVAILABILITY.map(a => html`<label class="check"><input type="checkbox" data-testid="su-avail" data-avail=${a}
            .checked=${live(state.availability.has(a))} @change=${tick(state.availability, a)} />${t(`av_${a}`)}</label>`)}
        </fieldset>
        ${error("availability")}
      </section>

      <section class="card form">
        <h2>${t("su_account")}</h2>
        <label>${t("su_login")}<input name="login" data-field="login" data-testid="su-login" autocomplete="username" autocapitalize="off"
          spellcheck="false" maxlength="50" aria-invalid=${invalid("login")} aria-describedby=${described("login", "su-login-hint")}
          .value=${live(state.login)} @input=${text("login")} /></label>
        <small class="small" id="su-login-hint">${t("su_login_hint")}</small>
        ${error("login")}
        <label>${t("su_password")}<input name="password" type="password" data-field="password" data-testid="su-password" autocomplete="new-password"
          maxlength="200" aria-invalid=${invalid("password")} aria-describedby=${described("password")}
          .value=${live(state.password)} @input=${text("password")} /></label>
        ${error("password")}
      </section>

      <section class="card consent" aria-labelledby="su-consent-title">
        <h2 id="su-consent-title">${t("su_consent_title")}</h2>
        <p id="su-consent-text" data-testid="su-consent-text">${t("su_consent_text")}</p>
        <label class="check"><input type="checkbox" name="consent" data-field="consent" data-testid="su-consent"
          aria-invalid=${invalid("consent")} aria-describedby=${described("consent", "su-consent-text")}
          .checked=${live(state.consent)} @change=${(e: Event) => { state.consent = (e.target as HTMLInputElement).checked; }} />${t("su_consent")}</label>
        ${error("consent")}
      </section>

      ${refusalView(formKey(""), "su-form")}
      ${state.marked ? html`<p class="error" data-testid="su-marked">${t("su_check_marked")}</p>` : nothing}
      <button type="submit" class="primary" data-testid="su-submit" ?disabled=${state.sending}>${state.sending ? t("su_sending") : t("su_submit")}</button>
    </form>
  </main>`;
}

/** Sent: what happens next, and the way back to the login form. */
function sentView(hooks: SignUpHooks) {
  const sent = state.sent!;
  const back = () => {
    const login = sent.login;
    state.sent = null;
    hooks.back(login);
  };
  return html`<main class="login signup" data-testid="signup-sent">
    <div class="row end">
      <button class="link" data-testid="language" lang=${t("language") === "English" ? "en" : "zh-CN"}
        @click=${() => { toggleLang(); hooks.rerender(); }}>${t("language")}</button>
    </div>
    <h1 tabindex="-1" data-testid="signup-sent-title">${t("su_sent_title")}</h1>
    <section class="card sent" role="status">
      <p data-testid="signup-sent-text">${fill(t("su_sent_text"), { community: sent.community || t("vr_community"), login: sent.login })}</p>
      <p>${t("su_sent_number")}</p>
    </section>
    <button class="primary" data-testid="signup-done-back" @click=${back}>${t("su_back")}</button>
  </main>`;
}
