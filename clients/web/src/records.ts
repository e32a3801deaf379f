// Linli's schema-1 records as the web app writes them (the data contract in docs/design.md;
// the server validates every change against the same contract and access policy).

export type Tags = Record<string, boolean>;

export interface Review {
  status: "received" | "has_issues" | "approved";
  note: string;
  by: string;
  at: string;
}

export interface Member {
  name: string;
  gender: string;
  birth_year?: number;
  relation: string;
  id_tail: string;
  phone: string;
  employment: string;
  health_record: boolean;
  tags: Tags;
  /** Why the member left ("moved_out", "deceased", "registered_elsewhere"); empty or absent
   * while they live here. Members are never deleted. */
  removed_reason?: string;
  removed_on?: string;
  /** Dated employment statuses: each holds from `since` until the next. */
  employment_history?: Record<string, { since: string; status: string }>;
  /** 有劳动能力 / 有就业愿望; absent when not asked. */
  able_to_work?: boolean;
  willing_to_work?: boolean;
  /** Skills trainings received (就业技能培训). */
  trainings?: Record<string, { on: string; course: string }>;
  /** A disability as its certificate states it. */
  disability?: { kind: string; grade?: number | null } | null;
}

/** The members who live in the household now (those who left are kept, marked). */
export function residentsOf(h: Household): Member[] {
  return Object.values(h.members ?? {}).filter(m => !m.removed_reason);
}

export interface Visit {
  id: string;
  at: string;
  by: string;
  purpose: string;
  notes: string;
  needs: string[];
  follow_up?: string;
  review?: Review;
  /** Where the phone was, when the worker allowed it. */
  location?: { lat: number; lon: number; accuracy_m?: number } | null;
}

export interface Household {
  kind: "household";
  schema: 1;
  org: string;
  address: string;
  tags: Tags;
  members: Record<string, Member>;
  visits: Visit[];
  review?: Review;
  merged_into?: string;
  /** Each change of a tag with its day (appended, never edited). */
  tag_changes?: Record<string, { tag: string; on: string; set: boolean; by: string }>;
}

export interface Entry {
  date: string;
  minutes: number;
  activity: string;
  category: string;
  source: "self" | "checkin" | "supervisor";
  status: "submitted" | "approved" | "rejected" | "has_issues";
  review?: { by: string; at: string; note: string };
}

export interface Volunteer {
  kind: "volunteer";
  schema: 1;
  org: string;
  user: string;
  name: string;
  /** The day the volunteer registered. */
  registered_on?: string;
  skills: string[];
  entries: Record<string, Entry>;
}

export interface ServiceRequest {
  kind: "request";
  schema: 1;
  org: string;
  household?: string;
  /** Where the service is needed (the household's address). */
  address?: string;
  category: string;
  description: string;
  status: "open" | "assigned" | "in_progress" | "resolved" | "closed";
  assignee?: string;
  /** "worker", "volunteer", "organization"; empty while unassigned. */
  assignee_kind?: string;
  urgency?: "" | "normal" | "urgent";
  /** The day it is to be resolved by. */
  due?: string | null;
  /** What was done. */
  outcome?: string;
  log: { at: string; by: string; text: string; status?: string }[];
  /** The requester's satisfaction when it was finished. */
  satisfaction?: "" | "satisfied" | "basically_satisfied" | "dissatisfied";
}

/** A community's own record (kept by its supervisors). */
export interface Community {
  kind: "community";
  schema: 1;
  org: string;
  name: string;
  /** The stated resident total (居民总数); 0 when not stated. */
  residents: number;
  rural?: boolean;
  /** The day it was recognised as a provincial demonstration community. */
  demonstration_since?: string | null;
  facilities: Record<string, { name: string; category: string }>;
  organizations: Record<string, { name: string; category: string; registered: boolean }>;
  health_figures?: Record<string, { as_of: string; coverage_permille?: number | null; outpatient_permille?: number | null; source: string }>;
  /** Days between visits by tag, and `default`. */
  follow_up_rules?: Record<string, number>;
}

/** The facilities every community must have (policy §八, §五), by category. */
export const FACILITIES = ["classroom", "culture", "library", "notice_board", "fitness", "charity_supermarket"];
/** How satisfied the requester was. */
export const SATISFACTION = ["satisfied", "basically_satisfied", "dissatisfied"];

export function newCommunity(org: string, name: string): Community {
  return { kind: "community", schema: 1, org, name, residents: 0, rural: false, facilities: {}, organizations: {}, health_figures: {} };
}

/** Categories of volunteer service. */
export const CATEGORIES = ["elderly", "children", "disability", "environment", "safety", "culture", "other"];
/** Request categories with the days a request has to be resolved (sync-core's
 * `REQUEST_CATEGORIES`, docs/data-contract.md "Requests"); a visit's needs are these too. */
export const REQUEST_CATEGORIES: Record<string, number> = {
  elderly: 5,
  medical: 3,
  employment: 10,
  financial: 7,
  housing: 15,
  education: 10,
  disability: 5,
  children: 5,
  environment: 7,
  safety: 2,
  dispute: 5,
  other: 10,
};
/** The day a request is due: its category's days from `opened` (1 when urgent, 10 for a
 * category not listed). */
export function requestDue(category: string, urgency: string, opened: string): string {
  const days = urgency === "urgent" ? 1 : (REQUEST_CATEGORIES[category] ?? 10);
  const d = new Date(`${opened.slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
export const NEEDS = Object.keys(REQUEST_CATEGORIES);
export const VISIT_PURPOSES = ["routine", "follow_up", "emergency", "policy", "mediation", "care", "other"];
export const RELATIONS = ["head", "spouse", "child", "parent", "grandchild", "grandparent", "sibling", "other"];
export const DISABILITY_KINDS = ["visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"];
export const REMOVAL_REASONS = ["moved_out", "deceased", "registered_elsewhere"];
export const EMPLOYMENT = ["employed", "unemployed", "retired", "student", "unable"];

/** A random id for members, visits and entries (works without a secure context). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
}

/** Now as an ISO 8601 timestamp. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** The time zone dates are shown in (the server's default; counties are in China). */
export const TIME_ZONE = "Asia/Shanghai";

/** The calendar date YYYY-MM-DD of a stored time in {@link TIME_ZONE}: a visit at 05:30
 * Beijing time (21:30Z the day before) is on the Beijing date. A bare date stays as it is. */
export function dayOf(at: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(at)) return at;
  const when = new Date(at);
  if (Number.isNaN(when.getTime())) return at.slice(0, 10);
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(when);
}

/** The local time HH:MM of a stored time in {@link TIME_ZONE}. */
export function timeOf(at: string): string {
  const when = new Date(at);
  if (Number.isNaN(when.getTime())) return "";
  return new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, hour: "2-digit", minute: "2-digit", hour12: false }).format(when);
}

/** Today as YYYY-MM-DD in {@link TIME_ZONE}, the zone every stored time is read in (so that
 * "today's visits" and what is due agree with the server's reports, whatever the phone's
 * own clock zone). */
export function today(): string {
  return dayOf(new Date().toISOString());
}

export function newMember(fields: Partial<Member> & { name: string }): Member {
  return {
    gender: "",
    relation: "other",
    id_tail: "",
    phone: "",
    employment: "",
    health_record: false,
    tags: {},
    ...fields,
  };
}

export function newHousehold(org: string, address: string, head: Member): Household {
  return {
    kind: "household",
    schema: 1,
    org,
    address,
    tags: {},
    tag_changes: {},
    members: { [newId()]: { ...head, relation: "head" } },
    visits: [],
  };
}

export function newVolunteer(org: string, user: string, name: string): Volunteer {
  return { kind: "volunteer", schema: 1, org, user, name, registered_on: today(), skills: [], entries: {} };
}

export function newRequest(org: string, household: string, category: string, description: string, by: string, urgency: "normal" | "urgent" = "normal", address = ""): ServiceRequest {
  const at = nowIso();
  return {
    kind: "request",
    schema: 1,
    org,
    household,
    address,
    category,
    description,
    urgency,
    status: "open",
    log: [{ at, by, text: description, status: "open" }],
  };
}

/** The head of household's name (or the first member's). */
export function headName(h: Household): string {
  const members = residentsOf(h);
  return (members.find(m => m.relation === "head") ?? members[0])?.name ?? "";
}

/** Entries that count toward a volunteer's totals, in hours. */
export function hoursOf(entries: Entry[], status: Entry["status"]): number {
  return entries.filter(e => e.status === status).reduce((sum, e) => sum + (e.minutes || 0), 0) / 60;
}
