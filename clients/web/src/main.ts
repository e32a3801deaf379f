// The first thing a phone runs: small on purpose. It draws the login form at once and
// fetches the rest of the app (automerge and its 1 MB of wasm, the screens) meanwhile, so on
// a slow link the user types while the app arrives (issue #18: the form within 3 s at
// 400 kbps). A signed-in device goes straight to the app, from the service worker's cache.
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

function drawLogin(): void {
  if (!drawn) root.textContent = "";
  drawn = true;
  render(
    html`${wipedNotice ? html`<p class="note" data-testid="wiped">${t("device_wiped")}</p>` : ""}${loginView(signedIn, drawLogin)}
      ${opening ? html`<p class="loading" role="status" data-testid="app-loading">${t("loading")}</p>` : ""}`,
    root,
  );
}

async function signedIn(session: Session): Promise<void> {
  opening = true;
  drawLogin();
  await (await app).startApp(session, wasm, false);
}

async function boot(): Promise<void> {
  wipedNotice = await finishWipe();
  const session = loadSession();
  if (session) await (await app).startApp(session, wasm);
  else drawLogin();
}

boot().catch(err => {
  root.textContent = `${t("error")}: ${err}`;
});
