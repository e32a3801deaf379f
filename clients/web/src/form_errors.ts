// A form's error is kept as a word's key, not as text, so it follows the language switch;
// what the server said (its own words, not translated) may go with it as the detail.
import { t, type Key } from "./i18n";

const errors = new Map<string, { key: Key; detail: string }>();

/** Sets (or with `null` clears) the error of form `form`, with the server's `detail` if any. */
export function setFormError(form: string, key: Key | null, detail = ""): void {
  if (key) errors.set(form, { key, detail });
  else errors.delete(form);
}

/** The error of form `form` in the current language, or "". */
export function formError(form: string): string {
  const error = errors.get(form);
  return error ? t(error.key) : "";
}

/** What the server said about the error of form `form`, or "". */
export function formErrorDetail(form: string): string {
  return errors.get(form)?.detail ?? "";
}
