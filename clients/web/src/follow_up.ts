// Follow-up plans, computed on the phone with no signal: how often each household is to be
// visited follows from its tags and the community's rules (the community record's
// `follow_up_rules`, days per tag, and `default`), or Linli's defaults where the community
// set none (docs/data-contract.md, "Follow-up plans").
import { dayOf, type Household } from "./records";
import { tagsOf } from "./tags";

/** Days between visits by tag when the community set no rule; `default` for all others. */
export const FOLLOW_UP_DEFAULTS: Record<string, number> = {
  living_alone: 7,
  tekun: 14,
  wubao: 14,
  disabled: 30,
  dibao: 30,
  empty_nest: 30,
  left_behind: 30,
  zero_employment: 30,
  default: 90,
};

/** Where a household stands: never visited and overdue are both late. */
export type FollowUpState = "never" | "overdue" | "today" | "week" | "later";

export interface FollowUp {
  state: FollowUpState;
  /** The day the next visit is due (empty when never visited). */
  due: string;
  /** Days between visits that applies. */
  every: number;
}

/** The interval for a household: the shortest of its tags' rules, else the default. */
export function intervalFor(tags: string[], rules: Record<string, number> = {}): number {
  const rule = (tag: string) => rules[tag] ?? FOLLOW_UP_DEFAULTS[tag];
  const days = tags.map(rule).filter((d): d is number => typeof d === "number" && d > 0);
  return days.length ? Math.min(...days) : (rules.default ?? FOLLOW_UP_DEFAULTS.default);
}

/** Adds `days` to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The household's next visit: the date the last visit set (`follow_up`), else the last
 * visit's day plus the interval of its tags (`tags`: those it carries on `on`, when the
 * caller has them already). */
export function followUpOf(h: Household, on: string, rules: Record<string, number> = {}, tags = tagsOf(h, on)): FollowUp {
  const every = intervalFor(tags, rules);
  let last: { at: string; follow_up?: string } | undefined;
  for (const v of h.visits ?? []) if (!last || v.at.localeCompare(last.at) > 0) last = v;
  if (!last) return { state: "never", due: "", every };
  const due = last.follow_up || addDays(dayOf(last.at), every);
  const state: FollowUpState = due < on ? "overdue" : due === on ? "today" : due <= addDays(on, 6) ? "week" : "later";
  return { state, due, every };
}
