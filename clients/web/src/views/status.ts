// The bar that is always visible: online or offline, changes not yet on the server, the
// last successful sync, the language switch and sign-out.
import { html } from "lit-html";
import { code, t, toggleLang } from "../i18n";
import { when, type Ctx } from "../context";
import { personName } from "../directory";

export function statusBar(ctx: Ctx, onLogout: () => void) {
  const s = ctx.sync.status();
  const state = s.connected ? "online" : navigator.onLine ? "connecting" : "offline";
  return html`<header class="bar">
    <h1 class="brand">${t("app_name")} <small>${code("role", ctx.session.role)} · ${personName(ctx.session.user)}</small></h1>
    <div class="sync" data-testid="sync-status">
      <span class="dot ${state}" data-testid="connection" data-state=${state}>${t(state)}</span>
      <span data-testid="pending" data-count=${s.pending}>${t("pending")} <b>${s.pending}</b></span>
      <span data-testid="last-sync">${t("last_sync")} ${s.lastSync ? when(s.lastSync) : t("never")}</span>
    </div>
    <div class="actions">
      <button class="link" data-testid="language" lang=${t("language") === "English" ? "en" : "zh-CN"} @click=${() => { toggleLang(); ctx.refresh(); }}>${t("language")}</button>
      <button class="link" data-testid="logout" @click=${onLogout}>${t("logout")}</button>
    </div>
  </header>`;
}
