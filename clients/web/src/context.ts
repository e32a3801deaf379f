// What every screen gets: the session, the device's documents, the API, and a way to
// ask for a re-render.
import type { Api } from "./api";
import type { Session } from "./auth";
import type { Sync } from "./sync";

export interface Ctx {
  session: Session;
  sync: Sync;
  api: Api;
  /** Re-renders the page (batched to one frame). */
  refresh(): void;
  /** Shows a short message at the bottom of the screen. */
  toast(text: string): void;
}

/** Reads a form's fields by name. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  new FormData(form).forEach((value, key) => {
    out[key] = String(value).trim();
  });
  return out;
}

/** A short local date and time for people to read. */
export function when(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === "") return "";
  const d = typeof iso === "number" ? new Date(iso) : new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(document.documentElement.lang || "zh-CN", {
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** Hours with at most one decimal. */
export function hours(minutesOrHours: number, isMinutes = true): string {
  const h = isMinutes ? minutesOrHours / 60 : minutesOrHours;
  return (Math.round(h * 10) / 10).toString();
}
