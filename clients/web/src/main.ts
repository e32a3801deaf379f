// The first thing a phone runs: small on purpose. It draws the login form at once and
// fetches the rest of the app (automerge and its 1 MB of wasm, the screens) meanwhile, so on
// a slow link the user types while the app arrives (issue #18: the form within 3 s at
// 400 kbps). A signed-in device goes straight to the app, from the service worker's cache.
// A resident who is not yet a volunteer signs up from here (`#sign-up`, issue #20), and anyone
// checks a certificate of volunteer service by its number (`#verify`, `#verify/<number>`):
// each page is fetched only when it is asked for.
import { html, render } from "lit-html";
import "./style.css";
import { finishWipe, loadSession, type Session } from "./auth";
import { t } from "./i18n";
import { loginView } from "./views/login";
import wasmUrl from "@automerge/automerge/automerge.wasm?url";

const root = document.getElementById("app")!;
/** The rest of the app, requested now and awaited only when it is needed. */
const app = import("./app");
/** Automerge's wasm, fetched alongside (the app would only ask for it once it runs). */
const wasm = fetch(wasmUrl).then(async r => {
  if (!r.ok) throw new Error(`wasm: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
});
wasm.catch(() => {
  // offline and not cached, or refused: the app asks for it again itself
});

/** This device was revoked and has just erased its data. */
let wipedNotice = false;
/** Signed in: waiting for the app to arrive. */
let opening = false;

/** Whether lit has drawn into the page (the static "loading" line is gone). */
let drawn = false;
/** The app has taken the page (a session was kept, or a sign-in succeeded). */
let appStarted = false;

/** The sign-up form's address, and the form once it has arrived. */
const SIGN_UP = "#sign-up";
let signUp: typeof import("./views/volunteer_signup") | null = null;
let signUpLoading: Promise<void> | null = null;
/** The form could not be fetched (offline on a first visit). */
let signUpFailed = false;
/** The login name to fill in (the one just chosen in the sign-up form). */
let loginName = "";

function signUpScreen() {
  if (!signUp) {
    if (!signUpFailed) signUpLoading ??= import("./views/volunteer_signup")
      .then(m => {
        signUp = m;
        signUpFailed = false;
      })
      .catch(() => {
        signUpFailed = true;
      })
      .finally(() => {
        signUpLoading = null;
        drawLogin();
      });
    return signUpFailed
      ? html`<main class="login"><h1 tabindex="-1">${t("su_title")}</h1><p class="error" role="alert">${t("needs_network")}</p>
          <div class="row"><button @click=${() => { signUpFailed = false; drawLogin(); }}>${t("try_again")}</button>
          <button class="link" @click=${backToLogin}>${t("su_back")}</button></div></main>`
      : html`<p class="loading" role="status">${t("loading")}</p>`;
  }
  return signUp.signUpView({
    back: login => {
      if (login) loginName = login;
      backToLogin();
    },
    rerender: drawLogin,
  });
}

/** The page checking a certificate's number, and the page once it has arrived. */
const VERIFY = "#verify";
let verify: typeof import("./views/certificate_verify") | null = null;
let verifyLoading: Promise<void> | null = null;
let verifyFailed = false;

/** Whether the address asks for the checking page; the number it names, if any. */
const onVerify = () => location.hash === VERIFY || location.hash.startsWith(`${VERIFY}/`);
function verifyNumber(): string {
  try {
    return decodeURIComponent(location.hash.slice(VERIFY.length + 1));
  } catch {
    return location.hash.slice(VERIFY.length + 1);
  }
}

function verifyScreen() {
  if (!verify) {
    if (!verifyFailed) verifyLoading ??= import("./views/certificate_verify")
      .then(m => {
        verify = m;
        verifyFailed = false;
      })
      .catch(() => {
        verifyFailed = true;
      })
      .finally(() => {
        verifyLoading = null;
        drawLogin();
      });
    return verifyFailed
      ? html`<main class="login"><h1 tabindex="-1">${t("cv_title")}</h1><p class="error" role="alert">${t("needs_network")}</p>
          <div class="row"><button @click=${() => { verifyFailed = false; drawLogin(); }}>${t("try_again")}</button>
          <button class="link" @click=${backToLogin}>${t("cv_back")}</button></div></main>`
      : html`<p class="loading" role="status">${t("loading")}</p>`;
  }
  return verify.verifyView(verifyNumber(), { back: backToLogin, rerender: drawLogin });
}

function backToLogin(): void {
  history.pushState(null, "", location.pathname + location.search);
  drawLogin();
  focusHeading();
}

/** After switching between the login and sign-up screens: the top, with the focus on the
 * sign-up screen's heading (read out by a screen reader), or on the login form's password
 * when the login name was just chosen. */
function focusHeading(): void {
  requestAnimationFrame(() => {
    window.scrollTo(0, 0);
    const target = location.hash === SIGN_UP || onVerify() ? "main h1[tabindex]" : loginName ? "input[name=password]" : "";
    if (target) document.querySelector<HTMLElement>(target)?.focus();
  });
}

function drawLogin(): void {
  if (appStarted) return;
  if (!drawn) root.textContent = "";
  drawn = true;
  const body = location.hash === SIGN_UP && !opening
    ? signUpScreen()
    : onVerify() && !opening
      ? verifyScreen()
      : loginView(signedIn, drawLogin, { signUpHref: SIGN_UP, verifyHref: VERIFY, name: loginName });
  render(
    html`${wipedNotice ? html`<p class="note" data-testid="wiped">${t("device_wiped")}</p>` : ""}${body}
      ${opening ? html`<p class="loading" role="status" data-testid="app-loading">${t("loading")}</p>` : ""}`,
    root,
  );
}

window.addEventListener("hashchange", () => {
  drawLogin();
  focusHeading();
});

async function signedIn(session: Session): Promise<void> {
  opening = true;
  drawLogin();
  await (await app).startApp(session, wasm, false);
  appStarted = true;
}

async function boot(): Promise<void> {
  wipedNotice = await finishWipe();
  const session = loadSession();
  if (session) {
    appStarted = true;
    await (await app).startApp(session, wasm);
  } else drawLogin();
}

boot().catch(err => {
  root.textContent = `${t("error")}: ${err}`;
});
