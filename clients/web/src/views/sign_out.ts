// Signing out without stranding work: with changes not yet on the server, sign-out waits.
// Online, the person can sign out once they are synced (the app does it the moment the
// pending count reaches zero); offline, signing out is refused with why, because signing in
// again needs the network and the changes would sit unreachable on the device until then.
import { html, nothing } from "lit-html";
import type { Ctx } from "../context";
import { t } from "../i18n";

const state = { asked: false, afterSync: false };

/** The sign-out button's action: at once when nothing is pending, else ask. */
export function askSignOut(ctx: Ctx, signOut: () => void): void {
  if (ctx.sync.status().pending === 0) return signOut();
  state.asked = true;
  state.afterSync = false;
  ctx.refresh();
}

/** The question, when asked; signs out once synced when the person chose that. */
export function signOutPanel(ctx: Ctx, signOut: () => void) {
  if (!state.asked) return nothing;
  const s = ctx.sync.status();
  if (state.afterSync && s.pending === 0 && s.connected) {
    state.asked = false;
    queueMicrotask(signOut);
    return nothing;
  }
  const cancel = () => {
    state.asked = false;
    state.afterSync = false;
    ctx.refresh();
  };
  const afterSync = () => {
    state.afterSync = true;
    ctx.refresh();
  };
  return html`<section class="card note" data-testid="sign-out-pending" role="alertdialog" aria-live="assertive">
    <p><b>${t("sign_out_pending").replace("{n}", String(s.pending))}</b></p>
    ${navigator.onLine
      ? state.afterSync
        ? html`<p data-testid="sign-out-waiting">${t("sign_out_waiting")}</p>`
        : html`<button class="primary" data-testid="sign-out-after-sync" @click=${afterSync}>${t("sign_out_after_sync")}</button>`
      : html`<p data-testid="sign-out-offline">${t("sign_out_offline")}</p>`}
    <button data-testid="sign-out-cancel" @click=${cancel}>${t("cancel")}</button>
  </section>`;
}
