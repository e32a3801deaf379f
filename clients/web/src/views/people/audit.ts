// The audit log (administrators): who did what to whom, when and from where, filtered by
// action, a page at a time, in words rather than codes. Read on demand only.
import { html, nothing } from "lit-html";
import { when, type Ctx } from "../../context";
import { deviceName, orgLabel, personName } from "../../directory";
import { setFormError } from "../../form_errors";
import { code, currentLang, t } from "../../i18n";
import { peopleWords } from "../../words_people";
import { colon, failed, fill, messages, state, type AuditEntry } from "./shared";

/** The actions the audit log can be filtered by, in the order of the words' table. */
const ACTIONS = Object.keys(peopleWords).filter(k => k.startsWith("act_")).map(k => k.slice(4));

/** The audit log's newest page (or, with `older`, the page before what is shown). Read on
 * demand only: every read is itself audited. */
export async function loadAudit(ctx: Ctx, older = false): Promise<void> {
  const a = state.audit;
  a.loading = true;
  ctx.refresh();
  const params = new URLSearchParams({ limit: "50" });
  if (a.action) params.set("action", a.action);
  if (older && a.next !== null) params.set("before", String(a.next));
  try {
    const page = await ctx.api.get<{ entries: AuditEntry[]; next_before: number | null }>(`/api/audit?${params}`);
    a.entries = older ? [...a.entries, ...page.entries] : page.entries;
    a.next = page.next_before ?? null;
    a.loaded = true;
    setFormError("audit", null);
  } catch (e) {
    failed("audit", e);
  } finally {
    a.loading = false;
    ctx.refresh();
  }
}

/** Who acted: a person by name, the operator's command line in words. */
function actorName(actor: string | null): string {
  if (!actor) return "";
  if (actor === "cli") return t("operator");
  if (actor === "demo") return t("demo_data");
  return personName(actor);
}

function subjectLabel(ctx: Ctx, e: AuditEntry): string {
  const s = e.subject;
  if (!s) return "";
  if (e.action.startsWith("org_") || e.action === "emergency_access") return orgLabel(s, ctx.session.org) || s;
  // Signing in, renewing and signing out name the device.
  if (["device_revoke", "login", "token_refresh", "refresh_reuse_revoked_device"].includes(e.action)) return deviceName(s);
  if (e.action.startsWith("user") || e.action === "token_issue") return personName(s);
  return s;
}

/** The detail the server wrote, in words where it has a known shape. */
function detailText(ctx: Ctx, e: AuditEntry): string {
  const d = e.detail;
  if (!d) return "";
  const unit = (p: string) => orgLabel(p, ctx.session.org) || p;
  if (e.action === "user_change") {
    return d
      .split("; ")
      .map(part => {
        let m = part.match(/^role (\S+) → (\S+)$/);
        if (m) return `${t("detail_role")}${colon()}${code("role", m[1])} → ${code("role", m[2])}`;
        m = part.match(/^org (\S+) → (\S+)$/);
        if (m) return `${t("detail_unit")}${colon()}${unit(m[1])} → ${unit(m[2])}`;
        m = part.match(/^display name → (.*)$/);
        if (m) return `${t("detail_shown_name")} → ${m[1]}`;
        return part;
      })
      .join(currentLang() === "zh" ? "；" : "; ");
  }
  if (e.action === "user_add") {
    const m = d.match(/^(\S+) (\S+)$/);
    if (m) return `${code("role", m[1])} · ${unit(m[2])}`;
  }
  if (e.action === "org_rename" || e.action === "org_add") return `→ ${d}`;
  if (e.action === "export" || e.action === "emergency_read") return unit(d);
  if (e.action === "token_issue") return deviceName(d);
  // A sign-in's detail is the device's name, which its subject already shows.
  if (e.action === "login") return "";
  if (e.action === "users_import") {
    const m = d.match(/^(\d+) rows: (\d+) created, (\d+) refused$/);
    if (m) return fill(t("detail_import"), { rows: m[1], created: m[2], refused: m[3] });
  }
  if (e.action === "audit_read") {
    try {
      const f = JSON.parse(d) as { action?: string | null; actor?: string | null };
      const parts = [f.action ? `${t("audit_filter")}${colon()}${code("act", f.action)}` : "", f.actor ? `${t("audit_actor")}${colon()}${actorName(f.actor)}` : ""];
      return parts.filter(Boolean).join(" · ");
    } catch {
      return d;
    }
  }
  return d;
}

export function auditSection(ctx: Ctx) {
  const a = state.audit;
  const pickAction = (e: Event) => {
    a.action = (e.target as HTMLSelectElement).value;
    void loadAudit(ctx);
  };
  return html`<section class="card" data-testid="audit" aria-busy=${String(a.loading)} data-loaded=${String(a.loaded)}>
    <h2>${t("audit_title")}</h2>
    <div class="filters">
      <label>${t("audit_filter")}<select data-testid="audit-action" @change=${pickAction}>
        <option value="" ?selected=${!a.action}>${t("all")}</option>
        ${ACTIONS.map(x => html`<option value=${x} ?selected=${a.action === x}>${code("act", x)}</option>`)}</select></label>
      <button data-testid="audit-refresh" @click=${() => void loadAudit(ctx)}>${t("audit_refresh")}</button>
    </div>
    ${messages("audit", "audit")}
    ${!a.loaded
      ? html`<p class="loading" role="status">${t("list_loading")}</p>`
      : a.entries.length === 0
        ? html`<p data-testid="audit-empty">${t("audit_empty")}</p>`
        : html`<ul class="list" data-testid="audit-entries">${a.entries.map(e => html`<li data-testid="audit-entry" data-id=${e.id}
            data-action=${e.action} data-actor=${e.actor ?? ""} data-subject=${e.subject ?? ""}>
            <div><b data-testid="audit-what">${code("act", e.action)}</b> · <span data-testid="audit-who">${actorName(e.actor)}</span> ·
              <span class="small" data-testid="audit-when">${when(e.at)}</span></div>
            ${e.subject ? html`<div>${t("audit_subject")}${colon()}<span data-testid="audit-subject">${subjectLabel(ctx, e)}</span></div>` : nothing}
            ${detailText(ctx, e) ? html`<div class="small" data-testid="audit-detail">${detailText(ctx, e)}</div>` : nothing}
            ${e.address ? html`<div class="small">${t("audit_from")} ${e.address}</div>` : nothing}
          </li>`)}</ul>`}
    ${a.next !== null
      ? html`<button class="more" data-testid="audit-older" ?disabled=${a.loading} @click=${() => void loadAudit(ctx, true)}>${t("audit_older")}</button>`
      : nothing}
  </section>`;
}
