// Sign-in: the access API; the session is then kept on the device.
import { html } from "lit-html";
import { AuthError, login, type Session } from "../auth";
import { formValues } from "../context";
import { t, toggleLang } from "../i18n";

let error = "";

export function loginView(done: (s: Session) => void, rerender: () => void) {
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    try {
      done(await login(v.name, v.password));
      error = "";
    } catch (err) {
      const status = err instanceof AuthError ? err.status : 0;
      error = status === 401 ? t("login_failed") : status === 429 ? t("too_many") : t("login_offline");
      rerender();
    }
  };
  return html`<main class="login">
    <h1>${t("app_name")}</h1>
    <form @submit=${submit} data-testid="login-form">
      <label>${t("user_name")}<input name="name" autocomplete="username" required /></label>
      <label>${t("password")}<input name="password" type="password" autocomplete="current-password" required /></label>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
      <button type="submit" class="primary">${t("login")}</button>
    </form>
    <button class="link" @click=${() => { toggleLang(); rerender(); }}>${t("language")}</button>
  </main>`;
}
