// The signed-in app: automerge (its wasm is fetched while the login form is shown, see
// main.ts), the service worker, the session kept fresh, and the screen for the person's role.
import { html, render } from "lit-html";
import { Api } from "./api";
import { AuthError, expiresSoon, forget, refresh, scheduleWipe, type Session } from "./auth";
import type { Ctx } from "./context";
import { t } from "./i18n";
import { Sync, initAutomerge } from "./sync";
import { forgetDirectory, loadDirectory } from "./directory";
import { loginView } from "./views/login";
import { statusBar } from "./views/status";
import { askSignOut, signOutPanel } from "./views/sign_out";
import { followScope } from "./scope";
import { loadSupervisor, supervisorView } from "./views/supervisor";
import { volunteerView } from "./views/volunteer";
import { forgetRegistration } from "./views/volunteer_registration";
import { forgetCertificates } from "./views/volunteer_certificates";
import { forgetStanding } from "./views/volunteer_stars";
import { forgetActivityKeys } from "./activities";
import { rediscoverWorker, workerView } from "./views/worker";

const root = document.getElementById("app")!;
let ctx: Ctx | null = null;
let toastText = "";
let scheduled = false;
/** The server refused the refresh token (expired, or the device was signed out). */
let sessionLost = false;
/** An administrator disabled the account: say so instead of the app. */
let accountDisabled = false;
function draw(): void {
  scheduled = false;
  if (!ctx) return;
  const c = ctx;
  if (accountDisabled) {
    render(html`<p class="note" role="alert" data-testid="account-disabled">${t("account_disabled")}</p>`, root);
    return;
  }
  if (sessionLost) {
    // Sign in again; the documents on this device stay. A new sign-in is a new device, so
    // the page reloads to start fresh automerge actors for it.
    render(
      html`<p class="note">${t("session_lost")}</p>${loginView(() => location.reload(), schedule)}`,
      root,
    );
    return;
  }
  const role = c.session.role;
  const body =
    role === "volunteer" ? volunteerView(c) : role === "worker" ? workerView(c) : supervisorView(c);
  render(
    html`${statusBar(c, () => askSignOut(c, logout))}<main class="content">${signOutPanel(c, logout)}${body}</main>
      ${toastText ? html`<div class="toast" role="status">${toastText}</div>` : ""}`,
    root,
  );
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(draw);
}

function toast(text: string): void {
  toastText = text;
  schedule();
  setTimeout(() => {
    if (toastText === text) {
      toastText = "";
      schedule();
    }
  }, 4000);
}

/** Renews the access token when it is about to expire and the device is online. */
async function keepFresh(): Promise<void> {
  if (!ctx || !navigator.onLine || !expiresSoon(ctx.session)) return;
  try {
    const renewed = await refresh(ctx.session);
    ctx.session = renewed;
    ctx.sync.setToken(renewed.access_token);
  } catch (err) {
    refused(err);
  }
}

/**
 * What a refusal from the server means: a revoked device erases its data; an ended session
 * asks to sign in again; anything else (no network) is tried again later.
 */
function refused(err: unknown): void {
  if (!(err instanceof AuthError) || !ctx) return;
  if (err.wipe) {
    scheduleWipe(ctx.session.user);
    location.reload();
  } else if (err.status === 401) {
    sessionLost = true;
    schedule();
  } else if (err.status === 403 && /disabled/.test(err.message)) {
    accountDisabled = true;
    schedule();
  }
}

/** While online but not connected, asks the API why (a revoked device learns it here). */
async function probe(): Promise<void> {
  if (!ctx || !navigator.onLine || ctx.sync.status().connected) return;
  try {
    await ctx.api.fetch("/api/documents?limit=1");
  } catch (err) {
    refused(err);
  }
}

function start(session: Session): void {
  const sync = new Sync(session.user, session.access_token);
  const c: Ctx = {
    session,
    sync,
    api: new Api(
      () => c.session,
      renewed => {
        c.session = renewed;
        sync.setToken(renewed.access_token);
      },
    ),
    refresh: schedule,
    toast,
  };
  ctx = c;
  sync.subscribe(schedule);
  // Each connection asks whether an administrator changed the person's role or unit.
  sync.onConnected(() => void followScope(c));
  if (!navigator.onLine) sync.goOffline();
  void keepFresh();
  // The supervisor's lists load at once (not on the next tick of the timer below), and the
  // names of units and people are fetched for every role.
  if (session.role === "supervisor" || session.role === "admin") void loadSupervisor(c);
  else void loadDirectory(c.api.get.bind(c.api)).then(changed => changed && schedule());
  schedule();
}

/** Signs out now (`askSignOut` decides when: never over unsynced changes). */
function logout(): void {
  forget();
  forgetDirectory();
  forgetRegistration();
  forgetStanding();
  forgetCertificates();
  forgetActivityKeys();
  location.reload();
}

window.addEventListener("offline", () => {
  ctx?.sync.goOffline();
  schedule();
});
window.addEventListener("online", () => {
  void keepFresh().then(() => {
    ctx?.sync.goOnline();
    rediscoverWorker();
    if (ctx?.session.role === "supervisor") void loadSupervisor(ctx);
    schedule();
  });
});
setInterval(() => void keepFresh().then(probe), 5_000);
// The supervisor's lists come from the server: keep them current while on screen.
setInterval(() => {
  if (ctx && navigator.onLine && ctx.session.role !== "volunteer" && ctx.session.role !== "worker") {
    void loadSupervisor(ctx);
  }
}, 5_000);

/** Loads automerge (from bytes main.ts fetched meanwhile, if given), registers the service worker (after the wasm, so its precache is served
 * from the HTTP cache rather than fetched twice on a slow link), and opens the session. */
export async function startApp(session: Session, wasm?: Promise<Uint8Array>, clearBootText = true): Promise<void> {
  await initAutomerge(wasm);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("./sw.js").catch(() => {
      // no service worker (an insecure origin other than localhost): the app still works online
    });
  }
  // The page's static "loading" line goes; a login form drawn by main.ts stays lit's to redraw.
  if (clearBootText) root.textContent = "";
  start(session);
}
