// A form's error is kept as a word's key, not as text, so it follows the language switch.
import { t, type Key } from "./i18n";

const errors = new Map<string, Key>();

/** Sets (or with `null` clears) the error of form `form`. */
export function setFormError(form: string, key: Key | null): void {
  if (key) errors.set(form, key);
  else errors.delete(form);
}

/** The error of form `form` in the current language, or "". */
export function formError(form: string): string {
  const key = errors.get(form);
  return key ? t(key) : "";
}
