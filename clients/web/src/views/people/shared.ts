// What the sections of the people tab share: its state (which section is shown, the people
// and units loaded, what is being confirmed or sent, each form's notice), the server's rows,
// and the helpers several sections use: filling and localizing words, turning the server's
// refusals into a form's error, running a request for a form, a form's messages, asking to
// confirm, and the units people may be placed in.
import { html, nothing } from "lit-html";
import { AuthError } from "../../auth";
import type { Ctx } from "../../context";
import { orgLabel, personName } from "../../directory";
import { formError, formErrorDetail, setFormError } from "../../form_errors";
import { currentLang, t, type Key } from "../../i18n";

export interface PersonRow {
  name: string;
  display_name: string | null;
  role: string;
  org: string;
  disabled_at: number | null;
  has_password: boolean;
  /** Devices not signed out. */
  devices: number;
  last_seen_at: number | null;
}
export interface DeviceRow { id: string; user_name: string; name: string; created_at: number; last_seen_at: number | null; revoked_at: number | null }
export interface UnitRow { path: string; name: string; closed_at: number | null }
export interface AuditEntry { id: number; at: number; actor: string | null; action: string; subject: string | null; detail: string | null; address: string | null }
export interface ImportReport {
  dry_run: boolean;
  rows: number;
  accepted: { row: number; name: string; role: string; org: string }[];
  refused: { row: number; name: string; reason: string }[];
  created: number;
}

export type Section = "users" | "signups" | "certificates" | "standing" | "import" | "units" | "audit";

export const ROLES = ["worker", "volunteer", "supervisor", "admin"];
/** The deepest unit: a grid (county / street / community / grid). */
export const MAX_DEPTH = 4;
/** People a page shows. */
export const PAGE = 30;

export const state = {
  section: "users" as Section,
  users: [] as PersonRow[],
  units: [] as UnitRow[],
  filter: { q: "", org: "", role: "", state: "" },
  shown: PAGE,
  /** The person whose panel is open, and the devices of each person looked at. */
  open: "",
  devices: new Map<string, DeviceRow[]>(),
  /** The action waiting for its confirmation: `disable:<name>`, `revoke:<device>`, `close:<path>`. */
  confirming: "",
  /** The form whose request is under way (its button is disabled meanwhile). */
  working: "",
  /** What went well, per form: a word's key and what fills it (so it follows the language). */
  notices: new Map<string, { key: Key; vars: Record<string, string | number> }>(),
  addOpen: false,
  unitQuery: "",
  renaming: "",
  audit: { entries: [] as AuditEntry[], next: null as number | null, action: "", loaded: false, loading: false },
  imp: { file: null as File | null, report: null as ImportReport | null },
};

/** A colon as the current language writes it. */
export const colon = () => (currentLang() === "zh" ? "：" : ": ");

/** Fills `{name}`-style places in a word. */
export function fill(text: string, vars: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (all, k: string) => (k in vars ? String(vars[k]) : all));
}

export const shownName = (u: PersonRow) => u.display_name || personName(u.name);
export const isAdmin = (ctx: Ctx) => ctx.session.role === "admin";
/** Whether the caller may change this person (the server decides; this only hides what it
 * would refuse): administrators anyone in their unit, supervisors workers and volunteers. */
export const mayManage = (ctx: Ctx, u: PersonRow) => isAdmin(ctx) || u.role === "worker" || u.role === "volunteer";
/** The roles the caller may give. */
export const rolesFor = (ctx: Ctx) => (isAdmin(ctx) ? ROLES : ["worker", "volunteer"]);

/** What the server said, from its JSON error body. */
function serverSaid(e: AuthError): string {
  try {
    const said = (JSON.parse(e.message) as { error?: string }).error;
    if (said) return localized(said);
  } catch {
    // not JSON
  }
  return e.message.slice(0, 300);
}

/** A message the server gives in both languages ("单位已撤销 (the unit … is closed)"): the
 * part in the current language. Anything else as it is. */
export function localized(text: string): string {
  const m = text.match(/^([^(]*[\u3400-\u9fff][^(]*?)\s*\((.+)\)$/s);
  if (!m) return text;
  if (currentLang() === "en") return m[2];
  // The Chinese part leaves out what the English quotes (the role as written, …).
  const quoted = [...m[2].matchAll(/`([^`]+)`/g)].map(q => q[1]);
  return quoted.length ? `${m[1]}${colon()}${quoted.join("、")}` : m[1];
}

/** The server's refusals people meet most, in words of their own (it says them in English). */
const KNOWN_REFUSALS: [RegExp, Key][] = [
  [/^user `.*` exists$/, "login_taken"],
  [/active users work in/, "unit_has_people"],
  [/is closed/, "unit_is_closed"],
  [/^a password has at least/, "password_short"],
  [/^user names are/, "login_name_bad"],
  [/^display names are/, "shown_name_bad"],
];

/** Keeps why form `form` failed: the word for the server's answer, and what it said. */
export function failed(form: string, e: unknown, badRequest: Key = "err_refused"): void {
  state.notices.delete(form);
  if (!(e instanceof AuthError)) {
    setFormError(form, "needs_network");
    return;
  }
  const key: Key =
    e.status === 403 ? "err_forbidden"
      : e.status === 404 ? "err_not_found"
        : e.status === 503 ? "err_unavailable"
          : e.status === 400 || e.status === 409 || e.status === 413 || e.status === 422 ? badRequest
            : "error";
  const said = serverSaid(e);
  const generic = ["not allowed", "not found"].includes(said);
  const known = e.status === 400 ? KNOWN_REFUSALS.find(([re]) => re.test(said))?.[1] : undefined;
  setFormError(form, known ?? key, generic ? "" : said);
}

/** Runs `request` for form `form`; on success keeps the notice `ok`, then reloads. */
export async function act(
  ctx: Ctx,
  form: string,
  request: () => Promise<unknown>,
  reload: () => Promise<void>,
  ok: Key,
  vars: Record<string, string | number> = {},
): Promise<boolean> {
  setFormError(form, null);
  state.notices.delete(form);
  state.working = form;
  ctx.refresh();
  let done = false;
  try {
    await request();
    state.notices.set(form, { key: ok, vars });
    done = true;
  } catch (e) {
    failed(form, e);
  } finally {
    state.working = "";
  }
  await reload();
  ctx.refresh();
  return done;
}

/** A form's error (its word, and what the server said) and its notice, next to it. */
export function messages(form: string, testid: string) {
  const error = formError(form);
  const detail = formErrorDetail(form);
  const notice = state.notices.get(form);
  return html`<div class="msg error" role="alert" data-testid=${`${testid}-error`}>${error
      ? html`<span data-testid=${`${testid}-error-word`}>${error}</span>${detail ? html`<br /><small class="said" data-testid=${`${testid}-said`}>${t("server_said")}${colon()}${detail}</small>` : nothing}`
      : nothing}</div>
    <div class="msg ok" role="status" data-testid=${`${testid}-done`}>${notice ? fill(t(notice.key), notice.vars) : nothing}</div>`;
}

/** Moves the focus to the control `selector` once it is drawn (a confirmation's buttons). */
function focusSoon(selector: string, tries = 10): void {
  requestAnimationFrame(() => {
    const el = document.querySelector<HTMLElement>(selector);
    if (el) el.focus();
    else if (tries > 0) focusSoon(selector, tries - 1);
  });
}

/** An action asked to be confirmed: what it does, then yes or cancel. */
export function confirmBox(ctx: Ctx, id: string, text: string, yes: () => void) {
  return html`<div class="confirm" role="group" aria-label=${text} data-testid="confirm" data-confirm=${id}>
    <p>${text}</p>
    <div class="row">
      <button class="danger" data-testid="confirm-yes" @click=${() => { state.confirming = ""; yes(); }}>${t("confirm_yes")}</button>
      <button data-testid="confirm-no" @click=${() => { state.confirming = ""; ctx.refresh(); }}>${t("cancel")}</button>
    </div>
  </div>`;
}

export function ask(ctx: Ctx, id: string): void {
  state.confirming = id;
  ctx.refresh();
  focusSoon(`[data-confirm="${CSS.escape(id)}"] [data-testid=confirm-no]`);
}

/** The units the caller may place people in: open ones, at or under their own unit. */
export function openUnits(): UnitRow[] {
  return state.units.filter(u => u.closed_at === null);
}

export function unitOptions(ctx: Ctx, current: string) {
  const units = openUnits();
  const closed = current && !units.some(u => u.path === current) ? state.units.find(u => u.path === current) : undefined;
  return html`${closed ? html`<option value=${closed.path} selected>${orgLabel(closed.path, ctx.session.org)} (${t("unit_closed")})</option>` : nothing}
    ${units.map(u => html`<option value=${u.path} ?selected=${u.path === current}>${orgLabel(u.path, ctx.session.org)}</option>`)}`;
}
