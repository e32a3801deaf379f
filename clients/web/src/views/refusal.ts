// A request the server refused, kept as its form's error: the word for the answer (its status,
// or a refusal known by the server's words) and what the server said, shown next to the form
// in the current language (both follow the language switch).
import { html, nothing } from "lit-html";
import { AuthError } from "../auth";
import { formError, formErrorDetail, setFormError } from "../form_errors";
import { t, type Key } from "../i18n";
import { colon, localized } from "./people/shared";

export interface Refusals {
  /** Refusals of a 400 known by the server's words, and the word each is said with. */
  known?: [RegExp, Key][];
  /** The word for any other 400 (409, 413, 422 too). */
  badRequest?: Key;
  /** The word for a 404. */
  notFound?: Key;
}

/** What the server said, from its JSON error body (as it said it: localized when shown). */
function said(e: AuthError): string {
  try {
    const error = (JSON.parse(e.message) as { error?: string }).error;
    if (error) return error;
  } catch {
    // not JSON
  }
  return e.message.slice(0, 300);
}

/** Keeps why form `form`'s request failed. */
export function keepRefusal(form: string, e: unknown, words: Refusals = {}): void {
  if (!(e instanceof AuthError)) {
    setFormError(form, "needs_network");
    return;
  }
  const text = said(e);
  const known = e.status === 400 ? words.known?.find(([re]) => re.test(text))?.[1] : undefined;
  const key: Key =
    known ??
    (e.status === 403 ? "err_forbidden"
      : e.status === 404 ? (words.notFound ?? "err_not_found")
        : e.status === 503 ? "err_unavailable"
          : [400, 409, 413, 422].includes(e.status) ? (words.badRequest ?? "err_refused")
            : "error");
  const generic = ["not allowed", "not found"].includes(text);
  setFormError(form, key, generic ? "" : text);
}

/** Form `form`'s error next to it: `<testid>-error-word`, and `<testid>-said`. */
export function refusalView(form: string, testid: string) {
  const error = formError(form);
  const detail = formErrorDetail(form);
  return html`<div class="msg error" role="alert" data-testid=${`${testid}-error`}>${error
    ? html`<span data-testid=${`${testid}-error-word`}>${error}</span>${detail
      ? html`<br /><small class="said" data-testid=${`${testid}-said`}>${t("server_said")}${colon()}${localized(detail)}</small>`
      : nothing}`
    : nothing}</div>`;
}
