// Anyone holding a certificate of volunteer service checks its number here, with no login
// (issue #20): `#verify` from the login screen, or `#verify/<number>` (the address printed on
// the certificate's page), which checks at once. The answer is what the server shows without
// a login (`GET /api/certificates/verify/{number}`): the name and ID number partly hidden,
// the hours, the issuer and the day, to compare with the paper; or that there is no
// certificate of that number. Loaded by main.ts only when asked for, so the login form stays
// small.
import { html, nothing } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { t, toggleLang } from "../i18n";
import { dayText, hoursText } from "./certificate_page";
import { fill } from "./people/shared";

/** What the server answers for a number it knows. */
interface Verification {
  number: string;
  name: string;
  id_number: string;
  total_hours: number;
  issued_on: string;
  issuer_name: string;
}

type Outcome =
  | { number: string; found: Verification }
  | { number: string; notFound: true }
  | { number: string; failed: true };

const state = {
  typed: "",
  /** The number the address asked for last (checked once). */
  fromAddress: "",
  checking: false,
  empty: false,
  outcome: null as Outcome | null,
};

export interface VerifyHooks {
  back(): void;
  rerender(): void;
}

/** A number as the server knows it: no spaces, capitals. */
const normal = (n: string) => n.replace(/\s+/g, "").toUpperCase();

async function check(number: string, rerender: () => void): Promise<void> {
  state.checking = true;
  state.outcome = null;
  rerender();
  try {
    const r = await fetch(`/api/certificates/verify/${encodeURIComponent(number)}`);
    if (r.status === 404) state.outcome = { number, notFound: true };
    else if (!r.ok) state.outcome = { number, failed: true };
    else state.outcome = { number, found: (await r.json()) as Verification };
  } catch {
    state.outcome = { number, failed: true };
  } finally {
    state.checking = false;
    rerender();
    requestAnimationFrame(() => document.querySelector<HTMLElement>("[data-testid=verify-result]")?.focus());
  }
}

function result() {
  const o = state.outcome;
  if (!o) return nothing;
  if ("found" in o) {
    const v = o.found;
    return html`<section class="card verified" tabindex="-1" role="status" data-testid="verify-result" data-found="true">
      <h2 data-testid="verify-found">${fill(t("cv_found"), { number: v.number })}</h2>
      <dl class="facts">
        <dt>${t("cv_name")}</dt><dd data-testid="verify-name">${v.name}</dd>
        <dt>${t("cv_id")}</dt><dd class="number" data-testid="verify-id">${v.id_number}</dd>
        <dt>${t("cv_hours")}</dt><dd data-testid="verify-hours">${fill(t("ce_hours_value"), { hours: hoursText(v.total_hours) })}</dd>
        <dt>${t("cv_issuer")}</dt><dd data-testid="verify-issuer">${v.issuer_name}</dd>
        <dt>${t("cv_issued_on")}</dt><dd data-testid="verify-issued-on">${dayText(v.issued_on)}</dd>
      </dl>
      <p class="small">${t("cv_masked_note")}</p>
    </section>`;
  }
  if ("notFound" in o) {
    return html`<section class="card not-verified" tabindex="-1" role="alert" data-testid="verify-result" data-found="false">
      <p data-testid="verify-not-found">${fill(t("cv_not_found"), { number: o.number })}</p>
    </section>`;
  }
  return html`<section class="card not-verified" tabindex="-1" role="alert" data-testid="verify-result" data-found="unknown">
    <p data-testid="verify-failed">${t("needs_network")}</p>
  </section>`;
}

/** The page; `number` is what the address names after `#verify/` (checked once). */
export function verifyView(number: string, hooks: VerifyHooks) {
  const { rerender } = hooks;
  const asked = normal(number);
  if (asked && asked !== state.fromAddress) {
    state.fromAddress = asked;
    state.typed = asked;
    void check(asked, rerender);
  }
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const n = normal(state.typed);
    state.empty = !n;
    if (!n) {
      state.outcome = null;
      rerender();
      return;
    }
    // The address names the number (to share or bookmark) without a new page.
    state.fromAddress = n;
    history.replaceState(null, "", `#verify/${encodeURIComponent(n)}`);
    void check(n, rerender);
  };
  return html`<main class="login verify" data-testid="verify">
    <div class="row spread">
      <button class="link" data-testid="verify-back" @click=${() => hooks.back()}>‹ ${t("cv_back")}</button>
      <button class="link" data-testid="language" lang=${t("language") === "English" ? "en" : "zh-CN"}
        @click=${() => { toggleLang(); rerender(); }}>${t("language")}</button>
    </div>
    <h1 tabindex="-1" data-testid="verify-title">${t("cv_title")}</h1>
    <p>${t("cv_intro")}</p>
    <form class="form" data-testid="verify-form" novalidate @submit=${submit}>
      <label>${t("cv_number")}<input name="number" data-testid="verify-number" autocomplete="off" autocapitalize="characters"
        spellcheck="false" maxlength="40" aria-invalid=${String(state.empty)} aria-describedby="verify-msg"
        .value=${live(state.typed)} @input=${(e: Event) => { state.typed = (e.target as HTMLInputElement).value; }} /></label>
      <div id="verify-msg">${state.empty ? html`<p class="error" role="alert" data-testid="verify-empty">${t("cv_err_empty")}</p>` : nothing}</div>
      <button type="submit" class="primary" data-testid="verify-submit" ?disabled=${state.checking}>${state.checking ? t("cv_checking") : t("cv_check")}</button>
    </form>
    ${result()}
  </main>`;
}
