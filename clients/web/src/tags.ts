// The household tags a grid worker sets with one tap (docs/data-contract.md, "Tags"), and the
// one the app derives: 零就业家庭, from the members' employment, never set by hand.
import { today, type Household, type Member } from "./records";

/** Tags a worker sets, in the order the phone shows them. */
export const HOUSEHOLD_TAGS = [
  "dibao",
  "tekun",
  "wubao",
  "disabled",
  "living_alone",
  "empty_nest",
  "left_behind",
  "migrant",
  "youfu",
] as const;

/** The derived tag's code. */
export const ZERO_EMPLOYMENT = "zero_employment";

/** The tags a household carries now: those set to true, plus the derived one. */
export function tagsOf(h: Household, on = today()): string[] {
  const set = Object.entries(h.tags ?? {})
    .filter(([, v]) => v === true)
    .map(([k]) => k);
  if (zeroEmploymentOn(h, on)) set.push(ZERO_EMPLOYMENT);
  return set;
}

/** Working age in years reached during the year: 16 to 59 (as sync-core's employment.rs). */
const WORKING_AGE = [16, 59];

function statusOn(m: Member, day: string): string | null {
  const dated = Object.entries(m.employment_history ?? {})
    .filter(([, s]) => /^\d{4}-\d{2}-\d{2}$/.test(s.since) && s.status)
    .sort(([ia, a], [ib, b]) => a.since.localeCompare(b.since) || ia.localeCompare(ib));
  if (dated.length === 0) return m.employment || null;
  let status: string | null = null;
  for (const [, s] of dated) if (s.since <= day) status = s.status;
  return status;
}

function presentOn(m: Member, day: string): boolean {
  if (!m.removed_reason) return true;
  return !!m.removed_on && day < m.removed_on;
}

/** 零就业家庭 on `day`: working-age members able and willing to work, all unemployed; the
 * same definition as `zero_employment_on` in sync-core (docs/indicators.md). Unknown counts
 * as not. */
export function zeroEmploymentOn(h: Household, day: string): boolean {
  if (h.merged_into) return false;
  let unemployed = false;
  for (const m of Object.values(h.members ?? {})) {
    if (!presentOn(m, day) || m.able_to_work === false || m.willing_to_work === false) continue;
    const status = statusOn(m, day);
    const age = m.birth_year ? Number(day.slice(0, 4)) - m.birth_year : null;
    const working = age === null ? status === "employed" || status === "unemployed" : age >= WORKING_AGE[0] && age <= WORKING_AGE[1];
    if (!working) continue;
    if (status === "employed") return false;
    if (status === "unemployed") unemployed = true;
    else if (status === null) return false;
  }
  return unemployed;
}
