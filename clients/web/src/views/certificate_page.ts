// A certificate of volunteer service (issue #20) as the server keeps it once issued, and what
// the volunteer's and the supervisor's screens share: the period and hours in words, the PDF
// fetched with the bearer token and handed to the browser, and the printable page. The page
// is the certificate in Chinese, in the form of 民发〔2015〕149号 like the server's PDF
// (志愿服务记录证明: the volunteer, a sentence of what is certified, the service day by day
// with its total, who issues it, the seal's box, where the number is checked); only the
// buttons around it follow the language. Printed, nothing but the certificate shows.
import { html, nothing } from "lit-html";
import { AuthError } from "../auth";
import type { Ctx } from "../context";
import { setFormError } from "../form_errors";
import { currentLang, t } from "../i18n";
import { volunteerWords } from "../words_volunteers";
import { fill } from "./people/shared";
import { keepRefusal, refusalView } from "./refusal";

/** One day of service on a certificate. */
export interface ServiceLine {
  date: string;
  content: string;
  category: string;
  hours: number;
}

/** The certificate as issued (`CertificateContent` on the server). */
export interface CertificateContent {
  number: string;
  issued_on: string;
  name: string;
  id_type: string;
  id_number: string;
  volunteer_number: string;
  period_from: string | null;
  period_to: string | null;
  services: ServiceLine[];
  total_hours: number;
  issuer_org: string;
  issuer_name: string;
  issued_by: string;
  contact: string;
}

/** A request or certificate as its reader gets it (`GET /api/certificates`). */
export interface CertificateView {
  id: string;
  status: "requested" | "issued";
  user: string;
  community: string;
  requested_at: number;
  purpose: string;
  period_from: string | null;
  period_to: string | null;
  number: string | null;
  certificate: CertificateContent | null;
}

/** `2026-05-06` as the certificate writes it: `2026年5月6日` (anything else as it is). */
export function cnDate(date: string | null | undefined): string {
  const m = (date ?? "").match(/^(\d{4})-(\d{2})-(\d{2})$/);
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : (date ?? "");
}

/** A day in the current language: `2026年5月6日`, or `2026-05-06` in English. */
export function dayText(date: string | null | undefined): string {
  return currentLang() === "zh" ? cnDate(date) : (date ?? "");
}

/** Hours as the certificate writes them: `5`, `2.5`, `1.33`. */
export function hoursText(h: number): string {
  return String(Math.round(h * 100) / 100);
}

/** The kind of ID document in Chinese, as on the certificate. */
function idTypeWords(kind: string): string {
  const key = `idt_${kind}` as keyof typeof volunteerWords;
  return key in volunteerWords ? volunteerWords[key][0] : kind;
}

/** The period a certificate covers, in the current language ("全部服务" when none was given). */
export function periodText(from: string | null, to: string | null): string {
  if (from && to) return fill(t("ce_period_both"), { from: dayText(from), to: dayText(to) });
  if (from) return fill(t("ce_period_from"), { from: dayText(from) });
  if (to) return fill(t("ce_period_to"), { to: dayText(to) });
  return t("ce_all_service");
}

/** The address where anyone checks a number: this app's page, without a login. */
export function verifyAddress(number: string): string {
  return `${location.origin}${location.pathname}#verify/${encodeURIComponent(number)}`;
}

/** The form key under which a certificate's PDF download keeps its error. */
export const pdfForm = (id: string) => `certificate-pdf:${id}`;

/** Fetches an issued certificate's PDF with the bearer token (the endpoint needs it, so a
 * plain link would not do) and hands it to the browser as `<number>.pdf`. A refusal is kept
 * as the form `pdfForm(id)`'s error: a server without a CJK font says the printable page
 * does the same. */
export async function downloadPdf(ctx: Ctx, c: CertificateView): Promise<boolean> {
  const form = pdfForm(c.id);
  setFormError(form, null);
  try {
    await ctx.api.download(`/api/certificates/${encodeURIComponent(c.id)}/pdf`, `${c.number ?? "certificate"}.pdf`);
    return true;
  } catch (e) {
    if (e instanceof AuthError && e.status === 503) {
      let said = "";
      try {
        said = String((JSON.parse(e.message) as { error?: string }).error ?? "");
      } catch {
        // not JSON
      }
      setFormError(form, "ce_pdf_failed", said);
    } else keepRefusal(form, e);
    return false;
  } finally {
    ctx.refresh();
  }
}

/** The certificate to read and print, with a way back and the print button (neither is
 * printed). Its heading is an h2: the app's bar holds the page's h1. */
export function certificatePage(c: CertificateContent, back: () => void) {
  const first = c.services[0]?.date ?? "";
  const last = c.services.at(-1)?.date ?? "";
  const from = c.period_from ?? first;
  const to = c.period_to ?? last;
  const total = hoursText(c.total_hours);
  const address = verifyAddress(c.number);
  const field = (label: string, value: string, testid: string) =>
    html`<div class="cert-cell label">${label}</div><div class="cert-cell" data-testid=${testid}>${value}</div>`;
  return html`<div class="certificate-view" data-testid="certificate-view">
    <div class="row spread no-print">
      <button class="link" data-testid="certificate-back" @click=${back}>‹ ${t("ce_back")}</button>
      <button class="primary" data-testid="certificate-print" @click=${() => window.print()}>${t("ce_print")}</button>
    </div>
    <p class="small no-print">${t("ce_page_note")}</p>
    <section class="card printable certificate-page" lang="zh-CN" data-testid="certificate-page" aria-labelledby="certificate-title">
      <h2 id="certificate-title" class="cert-title">志愿服务记录证明</h2>
      <p class="cert-number">证明编号：<span data-testid="certificate-number">${c.number}</span></p>
      <h3>一、志愿者信息</h3>
      <div class="cert-info" data-testid="certificate-volunteer">
        ${field("姓名", c.name, "certificate-name")}
        ${field("志愿者编号", c.volunteer_number, "certificate-volunteer-number")}
        ${field("证件类型", idTypeWords(c.id_type), "certificate-id-type")}
        ${field("证件号码", c.id_number, "certificate-id-number")}
      </div>
      <p class="cert-text" data-testid="certificate-sentence">兹证明${c.name}于${cnDate(from)}至${cnDate(to)}期间在${c.issuer_name}参加志愿服务，经记录核实，累计服务时长${total}小时。具体情况如下：</p>
      <h3>二、志愿服务记录</h3>
      <div class="table-wrap">
        <table class="cert-table" data-testid="certificate-services">
          <thead><tr><th scope="col">序号</th><th scope="col">日期</th><th scope="col">服务内容</th><th scope="col">时长（小时）</th></tr></thead>
          <tbody>${c.services.map((s, i) => html`<tr data-testid="certificate-service"><td>${i + 1}</td><td>${s.date}</td><td>${s.content}</td><td>${hoursText(s.hours)}</td></tr>`)}</tbody>
          <tfoot><tr><th scope="row" colspan="3">累计服务时长（小时）</th><td data-testid="certificate-total">${total}</td></tr></tfoot>
        </table>
      </div>
      <p class="cert-text">特此证明。</p>
      <div class="cert-sign">
        <dl class="cert-issuer" data-testid="certificate-issuer">
          <div><dt>出具单位：</dt><dd data-testid="certificate-issuer-name">${c.issuer_name}</dd></div>
          <div><dt>负责人：</dt><dd class="blank"></dd></div>
          <div><dt>经办人：</dt><dd data-testid="certificate-issued-by">${c.issued_by}</dd></div>
          <div><dt>联系方式：</dt><dd data-testid="certificate-contact">${c.contact}</dd></div>
          <div><dt>出具日期：</dt><dd data-testid="certificate-issued-on">${cnDate(c.issued_on)}</dd></div>
        </dl>
        <div class="seal" data-testid="certificate-seal">（盖章）</div>
      </div>
      <p class="cert-verify small" data-testid="certificate-verify">核验：本证明编号可在 <span class="address">${address}</span> 核验（无需登录）。</p>
    </section>
  </div>`;
}

/** A badge for a request's status. */
export function statusBadge(status: CertificateView["status"]) {
  return html`<span class="badge ${status === "issued" ? "approved" : "submitted"}" data-testid="certificate-status">${t(status === "issued" ? "ce_st_issued" : "ce_st_requested")}</span>`;
}

/** The buttons of an issued certificate: its page, and its PDF; the PDF's refusal under them. */
export function issuedButtons(c: CertificateView, open: () => void, working: boolean, download: () => void) {
  if (c.status !== "issued" || !c.number) return nothing;
  return html`<div class="row">
      <button class="primary" data-testid="certificate-open" aria-label=${fill(t("ce_view_label"), { number: c.number })}
        ?disabled=${!c.certificate} @click=${open}>${t("ce_view")}</button>
      <button data-testid="certificate-pdf" aria-label=${fill(t("ce_pdf_label"), { number: c.number })} ?disabled=${working}
        @click=${download}>${working ? t("ce_pdf_getting") : t("ce_pdf")}</button>
    </div>
    ${c.certificate ? nothing : html`<p class="small" data-testid="certificate-needs-network">${t("ce_view_needs_network")}</p>`}
    ${refusalView(pdfForm(c.id), "certificate-pdf")}`;
}
