// Certificates of volunteer service (issue #20), a section of the people tab: the requests
// waiting in the caller's unit (who asked, their community, what for, the period, when), each
// issued with a contact printed on it (the last one used is offered again), and the
// certificates issued (number, volunteer, day, hours), each with its printable page and its
// PDF. Supervisors only: the server lets the supervisors of the volunteer's community issue and
// read them; administrators are told so. The server's refusals are said in the row.
import { html, nothing } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { repeat } from "lit-html/directives/repeat.js";
import { AuthError } from "../../auth";
import { hours, when, type Ctx } from "../../context";
import { orgLabel, personName } from "../../directory";
import { setFormError } from "../../form_errors";
import { t, type Key } from "../../i18n";
import {
  certificatePage,
  dayText,
  downloadPdf,
  issuedButtons,
  periodText,
  statusBadge,
  type CertificateView,
} from "../certificate_page";
import { keepRefusal, refusalView } from "../refusal";
import { fill, isAdmin } from "./shared";

const CONTACT_KEY = "linli.certificate-contact";

export const certs = {
  requested: [] as CertificateView[],
  issued: [] as CertificateView[],
  loaded: false,
  issuedLoaded: false,
  failed: false,
  /** Requests issued here, kept in the waiting list to say what happened. */
  done: new Map<string, CertificateView>(),
  /** Each request's contact as typed. */
  contacts: new Map<string, string>(),
  /** The request being issued, the certificate whose PDF is being fetched, the one on screen. */
  working: "",
  pdf: "",
  open: "",
};

/** Loads the requests waiting (for the count on the section's button), and with `all` the
 * certificates issued. Supervisors only (the server refuses administrators). */
export async function loadCertificates(ctx: Ctx, all: boolean): Promise<void> {
  if (ctx.session.role !== "supervisor") return;
  try {
    const [requested, issued] = await Promise.all([
      ctx.api.get<CertificateView[]>("/api/certificates?status=requested"),
      all ? ctx.api.get<CertificateView[]>("/api/certificates?status=issued") : Promise.resolve(null),
    ]);
    certs.requested = requested;
    if (issued) {
      certs.issued = issued;
      certs.issuedLoaded = true;
    }
    certs.loaded = true;
    certs.failed = false;
  } catch {
    certs.failed = true;
  }
}

/** How many requests wait to be issued. */
export function requestedCount(): number {
  return certs.requested.filter(c => !certs.done.has(c.id)).length;
}

const formOf = (c: CertificateView) => `certificate-issue:${c.id}`;
/** A volunteer's name: as on the certificate once issued, else as the directory knows them. */
const nameOf = (c: CertificateView) => c.certificate?.name ?? personName(c.user);

function lastContact(): string {
  return localStorage.getItem(CONTACT_KEY) ?? "";
}

async function issue(ctx: Ctx, c: CertificateView, reload: () => Promise<void>): Promise<void> {
  const form = formOf(c);
  const contact = (certs.contacts.get(c.id) ?? lastContact()).trim();
  if ([...contact].length > 100) {
    setFormError(form, "ce_err_contact");
    ctx.refresh();
    return;
  }
  setFormError(form, null);
  certs.working = c.id;
  ctx.refresh();
  try {
    const now = await ctx.api.post<CertificateView>(`/api/certificates/${encodeURIComponent(c.id)}/issue`, { contact });
    certs.done.set(c.id, now);
    certs.issued = [now, ...certs.issued.filter(x => x.id !== now.id)];
    if (contact) localStorage.setItem(CONTACT_KEY, contact);
  } catch (e) {
    if (e instanceof AuthError && e.status === 409) {
      let said = "";
      try {
        said = String((JSON.parse(e.message) as { error?: string }).error ?? "");
      } catch {
        // not JSON
      }
      const key: Key = /issued already/.test(said) ? "ce_err_issued_already" : /registration/.test(said) ? "ce_err_no_volunteer" : "ce_err_no_service";
      setFormError(form, key, said);
    } else keepRefusal(form, e, { known: [[/^contact/, "ce_err_contact"]] });
  } finally {
    certs.working = "";
  }
  await reload();
  ctx.refresh();
}

function openPage(ctx: Ctx, id: string): void {
  certs.open = id;
  ctx.refresh();
  requestAnimationFrame(() => {
    window.scrollTo(0, 0);
    document.querySelector<HTMLElement>("[data-testid=certificate-back]")?.focus();
  });
}

function buttons(ctx: Ctx, c: CertificateView) {
  const download = async () => {
    certs.pdf = c.id;
    ctx.refresh();
    await downloadPdf(ctx, c);
    certs.pdf = "";
    ctx.refresh();
  };
  return issuedButtons(c, () => openPage(ctx, c.id), certs.pdf === c.id, () => void download());
}

function requestItem(ctx: Ctx, c: CertificateView, reload: () => Promise<void>) {
  const done = certs.done.get(c.id);
  const shown = done ?? c;
  const form = formOf(c);
  const working = certs.working === c.id;
  const name = nameOf(shown);
  const inputId = `certificate-contact-${c.id}`;
  return html`<li data-testid="certificate-request" data-id=${c.id} data-user=${c.user} data-status=${shown.status}>
    <div class="who">
      <b data-testid="certificate-request-name">${name}</b> ${statusBadge(shown.status)}
      <div class="small" data-testid="certificate-request-community">${orgLabel(c.community, ctx.session.org) || orgLabel(c.community)}</div>
    </div>
    <dl class="facts">
      <dt>${t("ce_purpose_shown")}</dt><dd data-testid="certificate-request-purpose">${c.purpose}</dd>
      <dt>${t("ce_period_shown")}</dt><dd class="period" data-testid="certificate-request-period">${periodText(c.period_from, c.period_to)}</dd>
      <dt>${t("ce_requested_on")}</dt><dd data-testid="certificate-request-when">${when(c.requested_at)}</dd>
    </dl>
    ${done
      ? html`<p class="msg ok" data-testid="certificate-issued-now">${fill(t("ce_issued_now"), { number: done.number ?? "" })}</p>${buttons(ctx, done)}`
      : html`<form class="form issue" data-testid="certificate-issue-form" novalidate
          @submit=${(e: SubmitEvent) => { e.preventDefault(); void issue(ctx, c, reload); }}>
          <label for=${inputId}>${t("ce_contact")}</label>
          <input id=${inputId} name="contact" type="tel" data-testid="certificate-contact" maxlength="100" autocomplete="tel"
            placeholder=${t("ce_contact_hint")} aria-describedby=${`${inputId}-note`}
            .value=${live(certs.contacts.get(c.id) ?? lastContact())}
            @input=${(e: Event) => certs.contacts.set(c.id, (e.target as HTMLInputElement).value)} />
          <small class="small" id=${`${inputId}-note`}>${t("ce_issue_note")}</small>
          <div class="row">
            <button class="primary" data-testid="certificate-issue" ?disabled=${working}
              aria-label=${fill(t("ce_issue_label"), { name })}>${t("ce_issue")}</button>
          </div>
        </form>`}
    ${refusalView(form, "certificate-issue")}
  </li>`;
}

function issuedItem(ctx: Ctx, c: CertificateView) {
  return html`<li data-testid="certificate-issued" data-id=${c.id} data-user=${c.user} data-number=${c.number ?? ""}>
    <div class="who">
      <b data-testid="certificate-issued-name">${nameOf(c)}</b>
      <div class="small">${orgLabel(c.community, ctx.session.org) || orgLabel(c.community)}</div>
    </div>
    <dl class="facts">
      <dt>${t("ce_number")}</dt><dd class="number" data-testid="certificate-issued-number">${c.number ?? ""}</dd>
      <dt>${t("ce_issued_on")}</dt><dd>${dayText(c.certificate?.issued_on)}</dd>
      <dt>${t("ce_total")}</dt><dd data-testid="certificate-issued-hours">${c.certificate ? fill(t("ce_hours_value"), { hours: hours(c.certificate.total_hours, false) }) : ""}</dd>
      <dt>${t("ce_purpose_shown")}</dt><dd>${c.purpose}</dd>
    </dl>
    ${buttons(ctx, c)}
  </li>`;
}

/** The certificates section: the page of the certificate opened, else the two lists. */
export function certificatesSection(ctx: Ctx, reload: () => Promise<void>) {
  if (isAdmin(ctx)) {
    return html`<section class="card" data-testid="certificates-desk"><h2>${t("ce_section")}</h2>
      <p class="note" data-testid="certificates-admin-note">${t("ce_admin_note")}</p></section>`;
  }
  if (certs.open) {
    const c = [...certs.issued, ...certs.done.values()].find(x => x.id === certs.open)?.certificate;
    if (c) {
      return certificatePage(c, () => {
        const id = certs.open;
        certs.open = "";
        ctx.refresh();
        requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"] [data-testid=certificate-open]`)?.focus());
      });
    }
    certs.open = "";
  }
  const waiting = [...certs.requested.filter(c => !certs.done.has(c.id)), ...certs.done.values()].sort((a, b) => b.requested_at - a.requested_at);
  const issued = [...certs.issued].sort((a, b) => (b.certificate?.issued_on ?? "").localeCompare(a.certificate?.issued_on ?? "") || b.requested_at - a.requested_at);
  const count = requestedCount();
  return html`<section class="card certificates-desk" data-testid="certificates-desk" data-loaded=${String(certs.loaded)} data-count=${count}>
      <h2>${t("ce_waiting_title")} <span class="count" data-testid="certificates-waiting-count">${certs.loaded ? count : "…"}</span></h2>
      ${certs.failed ? html`<p class="error" role="alert" data-testid="certificates-failed">${t("ce_list_failed")}</p>` : nothing}
      ${certs.loaded && waiting.length === 0 ? html`<p data-testid="certificates-waiting-none">${t("ce_waiting_none")}</p>` : nothing}
      <ul class="list">${repeat(waiting, c => c.id, c => requestItem(ctx, c, reload))}</ul>
    </section>
    <section class="card certificates-desk" data-testid="certificates-issued" data-loaded=${String(certs.issuedLoaded)}>
      <h2>${t("ce_issued_title")} <span class="count">${certs.issuedLoaded ? issued.length : "…"}</span></h2>
      ${certs.issuedLoaded && issued.length === 0 ? html`<p data-testid="certificates-issued-none">${t("ce_issued_none")}</p>` : nothing}
      <ul class="list">${repeat(issued, c => c.id, c => issuedItem(ctx, c))}</ul>
    </section>`;
}
