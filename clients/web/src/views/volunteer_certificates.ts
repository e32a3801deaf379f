// The volunteer's certificates of service on their home screen (issue #20): asking their
// community for one (what it is for, and a period or all their service), their requests and
// certificates with their status; an issued one shows its number, the day and hours, a
// printable page of the certificate (certificate_page.ts) and its PDF. The list comes from
// `GET /api/certificates` and is asked again every 10 s while a request waits (every 2 min
// otherwise, whether or not the screen is drawn again); what was last fetched is kept on the device for offline use, without the
// certificates' content (it holds the ID number, which is never kept on the phone): offline,
// the list and numbers show, and the page waits for the network.
import { html, nothing } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { repeat } from "lit-html/directives/repeat.js";
import { AuthError } from "../auth";
import { hours, when, type Ctx } from "../context";
import { formError, setFormError } from "../form_errors";
import { t } from "../i18n";
import {
  certificatePage,
  dayText,
  downloadPdf,
  issuedButtons,
  periodText,
  statusBadge,
  type CertificateView,
} from "./certificate_page";
import { fill } from "./people/shared";
import { keepRefusal, refusalView } from "./refusal";

/** What is kept on the device of a certificate: everything but its content, and of that
 * the day and hours only. */
interface KeptRow extends Omit<CertificateView, "certificate"> {
  issued_on: string | null;
  total_hours: number | null;
}
interface Kept {
  user: string;
  fetchedAt: number;
  rows: KeptRow[];
}

const KEY = "linli.certificates";
const ASK_FORM = "certificate-ask";

const state = {
  kept: read(),
  /** The list as the server sent it this session, with each certificate's content. */
  fresh: null as CertificateView[] | null,
  loading: false,
  askedAt: 0,
  failed: false,
  /** The ask form: open, its fields, being sent, and sent. */
  asking: false,
  purpose: "",
  from: "",
  to: "",
  sending: false,
  sent: false,
  /** The field the last refusal is about. */
  wrong: "" as "" | "purpose" | "dates",
  /** The certificate whose page is on screen, and the one whose PDF is being fetched. */
  open: "",
  pdf: "",
};

function read(): Kept | null {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? "null") as Kept | null;
  } catch {
    return null;
  }
}

/** Forgets the kept list (on sign-out). */
export function forgetCertificates(): void {
  clearTimeout(timer);
  state.kept = null;
  state.fresh = null;
  state.open = "";
  localStorage.removeItem(KEY);
}

function keep(ctx: Ctx, rows: CertificateView[]): void {
  state.kept = {
    user: ctx.session.user,
    fetchedAt: Date.now(),
    rows: rows.map(({ certificate, ...row }) => ({
      ...row,
      issued_on: certificate?.issued_on ?? null,
      total_hours: certificate?.total_hours ?? null,
    })),
  };
  localStorage.setItem(KEY, JSON.stringify(state.kept));
}

/** The next ask, due whether or not the screen is drawn again meanwhile. */
let timer: ReturnType<typeof setTimeout> | undefined;

async function load(ctx: Ctx): Promise<void> {
  clearTimeout(timer);
  state.loading = true;
  state.askedAt = Date.now();
  try {
    const rows = await ctx.api.get<CertificateView[]>("/api/certificates");
    state.fresh = rows;
    state.failed = false;
    keep(ctx, rows);
  } catch {
    state.failed = true;
  } finally {
    state.loading = false;
    timer = setTimeout(() => maybeLoad(ctx), every());
    ctx.refresh();
  }
}

/** How long until the list is asked again: soon while a request waits for the supervisor. */
function every(): number {
  const waiting = (state.fresh ?? []).some(r => r.status === "requested");
  return state.fresh === null || state.failed ? 30_000 : waiting ? 10_000 : 120_000;
}

/** The rows to show: this session's from the server, else those kept on the device. */
function rows(ctx: Ctx): CertificateView[] | null {
  if (state.fresh) return state.fresh;
  const kept = state.kept?.user === ctx.session.user ? state.kept : null;
  return kept ? kept.rows.map(r => ({ ...r, certificate: null })) : null;
}

function maybeLoad(ctx: Ctx): void {
  if (!state.loading && navigator.onLine && Date.now() - state.askedAt >= (state.askedAt ? every() : 0)) void load(ctx);
}

/** The certificate's page in place of the home screen while one is open (volunteer.ts
 * shows it instead), else null. */
export function certificateOnScreen(ctx: Ctx) {
  if (!state.open) return null;
  const c = state.fresh?.find(r => r.id === state.open)?.certificate;
  if (!c) {
    state.open = "";
    return null;
  }
  const back = () => {
    const id = state.open;
    state.open = "";
    ctx.refresh();
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-testid=certificate][data-id="${CSS.escape(id)}"] [data-testid=certificate-open]`)?.focus());
  };
  return certificatePage(c, back);
}

function openPage(ctx: Ctx, id: string): void {
  state.open = id;
  ctx.refresh();
  requestAnimationFrame(() => {
    window.scrollTo(0, 0);
    document.querySelector<HTMLElement>("[data-testid=certificate-back]")?.focus();
  });
}

/** What the browser can tell is wrong before sending. */
function check(): "ce_err_purpose" | "ce_err_dates" | null {
  const purpose = state.purpose.trim();
  if (!purpose || [...purpose].length > 200) return "ce_err_purpose";
  if (state.from && state.to && state.from > state.to) return "ce_err_dates";
  return null;
}

async function ask(ctx: Ctx): Promise<void> {
  if (state.sending) return;
  setFormError(ASK_FORM, null);
  state.sent = false;
  state.wrong = "";
  const wrong = check();
  if (wrong) {
    setFormError(ASK_FORM, wrong);
    state.wrong = wrong === "ce_err_purpose" ? "purpose" : "dates";
    ctx.refresh();
    requestAnimationFrame(() =>
      document.querySelector<HTMLElement>(wrong === "ce_err_purpose" ? "[data-testid=certificate-purpose]" : "[data-testid=certificate-from]")?.focus(),
    );
    return;
  }
  state.sending = true;
  ctx.refresh();
  try {
    const made = await ctx.api.post<CertificateView>("/api/certificates", {
      purpose: state.purpose.trim(),
      ...(state.from ? { from: state.from } : {}),
      ...(state.to ? { to: state.to } : {}),
    });
    state.fresh = [made, ...(state.fresh ?? []).filter(r => r.id !== made.id)];
    keep(ctx, state.fresh);
    Object.assign(state, { purpose: "", from: "", to: "", asking: false, sent: true });
    // The supervisor's answer is looked for sooner.
    state.askedAt = Date.now();
    clearTimeout(timer);
    timer = setTimeout(() => maybeLoad(ctx), every());
  } catch (e) {
    if (e instanceof AuthError && e.status === 409) setFormError(ASK_FORM, "ce_err_no_registration", said(e));
    else {
      keepRefusal(ASK_FORM, e, { known: [[/^from and to|^from is after/, "ce_err_dates"], [/^purpose/, "ce_err_purpose"]] });
      const text = e instanceof AuthError ? e.message : "";
      state.wrong = /purpose/.test(text) ? "purpose" : /from/.test(text) ? "dates" : "";
    }
  } finally {
    state.sending = false;
    ctx.refresh();
  }
}

function said(e: AuthError): string {
  try {
    return String((JSON.parse(e.message) as { error?: string }).error ?? "");
  } catch {
    return "";
  }
}

function askForm(ctx: Ctx) {
  if (!state.asking) {
    return html`<button data-testid="certificate-ask-open" aria-expanded="false" @click=${() => {
      state.asking = true;
      state.sent = false;
      ctx.refresh();
      requestAnimationFrame(() => document.querySelector<HTMLElement>("[data-testid=certificate-purpose]")?.focus());
    }}>${t("ce_ask_title")}</button>`;
  }
  const invalid = (field: "purpose" | "dates") => String(formError(ASK_FORM) !== "" && state.wrong === field);
  return html`<form class="form certificate-ask" data-testid="certificate-ask-form" novalidate aria-labelledby="certificate-ask-title"
    @submit=${(e: SubmitEvent) => { e.preventDefault(); void ask(ctx); }}>
    <h3 id="certificate-ask-title">${t("ce_ask_title")}</h3>
    <label>${t("ce_purpose")}<input name="purpose" data-testid="certificate-purpose" maxlength="200" autocomplete="off"
      aria-describedby="certificate-purpose-hint certificate-ask-msg" aria-invalid=${invalid("purpose")}
      .value=${live(state.purpose)} @input=${(e: Event) => {
        state.purpose = (e.target as HTMLInputElement).value;
        if (state.wrong === "purpose" && state.purpose.trim()) {
          // Put right: the error goes as the purpose is typed.
          state.wrong = "";
          setFormError(ASK_FORM, null);
          ctx.refresh();
        }
      }} /></label>
    <small class="small" id="certificate-purpose-hint">${t("ce_purpose_hint")}</small>
    <fieldset class="period-pick">
      <legend>${t("ce_period")}</legend>
      <label>${t("ce_from")}<input type="date" name="from" data-testid="certificate-from" aria-invalid=${invalid("dates")}
        aria-describedby="certificate-ask-msg" .value=${live(state.from)}
        @input=${(e: Event) => { state.from = (e.target as HTMLInputElement).value; }} /></label>
      <label>${t("ce_to")}<input type="date" name="to" data-testid="certificate-to" aria-invalid=${invalid("dates")}
        aria-describedby="certificate-ask-msg" .value=${live(state.to)}
        @input=${(e: Event) => { state.to = (e.target as HTMLInputElement).value; }} /></label>
    </fieldset>
    <div id="certificate-ask-msg">${refusalView(ASK_FORM, "certificate-ask")}</div>
    <div class="row">
      <button type="submit" class="primary" data-testid="certificate-ask" ?disabled=${state.sending}>${state.sending ? t("ce_asking") : t("ce_ask")}</button>
      <button type="button" @click=${() => { state.asking = false; setFormError(ASK_FORM, null); ctx.refresh(); }}>${t("cancel")}</button>
    </div>
  </form>`;
}

function row(ctx: Ctx, c: CertificateView) {
  const kept = c as CertificateView & Partial<KeptRow>;
  const issuedOn = c.certificate?.issued_on ?? kept.issued_on ?? null;
  const total = c.certificate?.total_hours ?? kept.total_hours ?? null;
  const download = async () => {
    state.pdf = c.id;
    ctx.refresh();
    await downloadPdf(ctx, c);
    state.pdf = "";
    ctx.refresh();
  };
  return html`<li data-testid="certificate" data-id=${c.id} data-status=${c.status}>
    <div class="line"><b data-testid="certificate-purpose-shown">${c.purpose || t("ce_title")}</b>${statusBadge(c.status)}</div>
    <dl class="facts">
      <dt>${t("ce_period_shown")}</dt><dd class="period" data-testid="certificate-period">${periodText(c.period_from, c.period_to)}</dd>
      <dt>${t("ce_requested_on")}</dt><dd>${when(c.requested_at)}</dd>
      ${c.status === "issued"
        ? html`<dt>${t("ce_number")}</dt><dd class="number" data-testid="certificate-number-shown">${c.number ?? ""}</dd>
          <dt>${t("ce_issued_on")}</dt><dd data-testid="certificate-issued-shown">${dayText(issuedOn)}</dd>
          ${total === null ? nothing : html`<dt>${t("ce_total")}</dt><dd data-testid="certificate-hours-shown">${fill(t("ce_hours_value"), { hours: hours(total, false) })}</dd>`}`
        : nothing}
    </dl>
    ${issuedButtons(c, () => openPage(ctx, c.id), state.pdf === c.id, () => void download())}
  </li>`;
}

/** The certificates card on the volunteer's home screen. */
export function certificatesSection(ctx: Ctx) {
  maybeLoad(ctx);
  const list = rows(ctx);
  // The kept list is said to be so once asking has failed or the phone is offline (not
  // while the first answer is on its way).
  const kept = !state.fresh && list !== null && state.kept && (state.failed || !navigator.onLine) ? state.kept.fetchedAt : null;
  return html`<section class="card certificates" data-testid="certificates" data-loaded=${String(state.fresh !== null)}>
    <h2>${t("ce_title")}</h2>
    <p class="small">${t("ce_intro")}</p>
    ${askForm(ctx)}
    <div class="msg ok" role="status" data-testid="certificate-ask-done">${state.sent ? t("ce_asked") : nothing}</div>
    <h3>${t("ce_mine")}</h3>
    ${kept !== null ? html`<p class="small" data-testid="certificates-kept">${fill(t("ce_kept"), { when: when(kept) })}</p>` : nothing}
    ${state.failed && list === null ? html`<p class="small" data-testid="certificates-failed">${t("ce_list_failed")}</p>` : nothing}
    ${list !== null && list.length === 0 ? html`<p data-testid="certificates-none">${t("ce_none")}</p>` : nothing}
    <ul class="list">${repeat(list ?? [], c => c.id, c => row(ctx, c))}</ul>
  </section>`;
}
