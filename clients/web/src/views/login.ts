// Sign-in: the access API; the session is then kept on the device.
import { html } from "lit-html";
import { AuthError, login, type Session } from "../auth";
import { formValues } from "../context";
import { t, toggleLang, type Key } from "../i18n";

/** Why the last sign-in failed, as a word's key (so it follows the language switch). */
let error: Key | null = null;

/** What the login screen may offer besides signing in: a resident's way to sign up as a
 * volunteer (main.ts; not offered when a session has ended), and the login name to fill in
 * (the one just chosen when signing up). */
export interface LoginExtras {
  signUpHref?: string;
  /** Where anyone checks a certificate of volunteer service by its number (main.ts). */
  verifyHref?: string;
  name?: string;
}

export function loginView(done: (s: Session) => void, rerender: () => void, extras: LoginExtras = {}) {
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    try {
      done(await login(v.name, v.password));
      error = null;
    } catch (err) {
      const status = err instanceof AuthError ? err.status : 0;
      error = status === 401 ? "login_failed" : status === 429 ? "too_many" : "login_offline";
      rerender();
    }
  };
  return html`<main class="login">
    <h1>${t("app_name")}</h1>
    <form @submit=${submit} data-testid="login-form">
      <label>${t("user_name")}<input name="name" autocomplete="username" required .value=${extras.name ?? ""} /></label>
      <label>${t("password")}<input name="password" type="password" autocomplete="current-password" required /></label>
      ${error ? html`<p class="error" role="alert" data-testid="login-error">${t(error)}</p>` : ""}
      <button type="submit" class="primary">${t("login")}</button>
    </form>
    ${extras.signUpHref
      ? html`<p class="signup-way"><a class="button" href=${extras.signUpHref} data-testid="signup-open">${t("su_open")}</a>
          <small class="small">${t("su_open_hint")}</small></p>`
      : ""}
    ${extras.verifyHref ? html`<p class="verify-way"><a href=${extras.verifyHref} data-testid="verify-open">${t("cv_open")}</a></p>` : ""}
    <button class="link" data-testid="language" lang=${t("language") === "English" ? "en" : "zh-CN"} @click=${() => { toggleLang(); rerender(); }}>${t("language")}</button>
  </main>`;
}
