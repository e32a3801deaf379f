// What the supervisor's activities tab and the volunteer's activities share (issue #20): an
// activity's time and places in words, a minute as a clock time, and the server's refusals
// said in words of their own (the server says them in English; its words go below).
import { html, nothing } from "lit-html";
import { AuthError } from "../auth";
import { type Activity, ended, full } from "../activities";
import { setFormError } from "../form_errors";
import { currentLang, t, type Key } from "../i18n";
import { fill } from "./people/shared";
import { keepRefusal } from "./refusal";
import { listed, skillWord } from "./people/volunteer_signups";

const locale = () => document.documentElement.lang || (currentLang() === "zh" ? "zh-CN" : "en");

/** A moment as a clock time, "14:05". */
export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit", hour12: false });
}

/** A code's minute as a clock time. */
export const minuteClock = (minute: number): string => clock(minute * 60_000);

/** An activity's day and hours: "6月3日 周三 14:00–16:00". */
export function activityWhen(a: Pick<Activity, "starts_at" | "ends_at">): string {
  const starts = new Date(a.starts_at);
  const ends = new Date(a.ends_at);
  if (Number.isNaN(starts.getTime()) || Number.isNaN(ends.getTime())) return `${a.starts_at}–${a.ends_at}`;
  const day = (d: Date) => d.toLocaleDateString(locale(), { month: "short", day: "numeric", weekday: "short" });
  const sameDay = starts.toDateString() === ends.toDateString();
  return `${day(starts)} ${clock(starts.getTime())}–${sameDay ? "" : `${day(ends)} `}${clock(ends.getTime())}`;
}

/** "已报名 3/10", or "已报名 3 人 · 不限人数". */
export function placesLine(a: Pick<Activity, "capacity" | "enrolled">): string {
  return a.capacity > 0
    ? fill(t("ac_enrolled_of"), { n: a.enrolled, capacity: a.capacity })
    : `${fill(t("ac_enrolled_count"), { n: a.enrolled })} · ${t("ac_no_limit")}`;
}

export const skillsLine = (skills: string[]): string => listed(skills, skillWord);

/** The badge of a cancelled, ended or running activity, or nothing. */
export function stateBadge(a: Activity) {
  if (a.cancelled) return html`<span class="badge rejected" data-testid="activity-state">${t("ac_cancelled")}</span>`;
  if (ended(a)) return html`<span class="badge" data-testid="activity-state">${t("ac_ended")}</span>`;
  if (Date.parse(a.starts_at) <= Date.now()) return html`<span class="badge approved" data-testid="activity-state">${t("ac_under_way")}</span>`;
  if (full(a)) return html`<span class="badge has_issues" data-testid="activity-state">${t("ac_full")}</span>`;
  return nothing;
}

/** The server's refusals about activities and codes, and the word each is said with. */
const KNOWN: [RegExp, Key][] = [
  [/signature/i, "ac_err_bad_signature"],
  [/another activity/i, "ac_err_other_activity"],
  [/where a check-out code belongs|other way round/i, "ac_err_wrong_scan"],
  [/outside the activity/i, "ac_err_outside"],
  [/not after the check-in/i, "ac_err_same_minute"],
  [/not a Linli check-in code/i, "ac_err_not_code"],
  [/volunteer record/i, "ac_err_no_record"],
  [/not enrolled|enrol first/i, "ac_err_not_enrolled"],
  [/\bfull\b/i, "ac_err_full"],
  [/cancel/i, "ac_err_cancelled"],
  [/\bended\b|is over|has finished/i, "ac_err_ended"],
];

/** What the server said, from its JSON error body. */
export function serverSaid(e: unknown): string {
  if (!(e instanceof AuthError)) return "";
  try {
    return (JSON.parse(e.message) as { error?: string }).error ?? e.message;
  } catch {
    return e.message.slice(0, 300);
  }
}

/** The word for a refusal the server said in `text`, if it is one of the known ones. */
export const knownRefusal = (text: string): Key | undefined => KNOWN.find(([re]) => re.test(text))?.[1];

/** Keeps why form `form`'s request failed: a known refusal in its own words (with what the
 * server said below), else as refusal.ts says any other answer. */
export function refuse(form: string, e: unknown): void {
  const text = serverSaid(e);
  const known = e instanceof AuthError && e.status !== 401 && e.status < 500 ? knownRefusal(text) : undefined;
  if (known) setFormError(form, known, text);
  else keepRefusal(form, e);
}
