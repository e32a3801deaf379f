// Volunteer activities with check-in (issue #20): the server's API as types and calls, and
// what a phone keeps of it for when it has no network: the activities last listed, the
// organiser's keys (to show check-in codes offline) and the codes a volunteer scanned (sent
// when the phone is online again). Each thing kept names the person it is kept for, so that
// another person signing in on the same phone never sees or sends it.
import type { Api } from "./api";
import type { Scan } from "./checkin_code";

/** The volunteer's attendance at an activity, once credited. */
export interface MyAttendance {
  minutes: number;
  date: string;
  entry_id: string;
  /** The credited entry's status: `submitted` until the organiser confirms, then `approved`. */
  status: string;
}

/** A volunteer enrolled in an activity (supervisors only). */
export interface Enrolment {
  user: string;
  name: string;
  volunteer_number: string | null;
  enrolled_at: string | number | null;
}

/** A volunteer's check-in and check-out as the server credited them (supervisors only). */
export interface AttendanceRow {
  user: string;
  name: string;
  checked_in_at: string | number | null;
  checked_out_at: string | number | null;
  minutes: number;
  entry_status: string | null;
  document_id: string | null;
  entry_id: string | null;
}

export interface Activity {
  id: string;
  org: string;
  title: string;
  place: string;
  category: string;
  description: string;
  /** RFC 3339, UTC. */
  starts_at: string;
  ends_at: string;
  /** 0: no limit. */
  capacity: number;
  skills: string[];
  organiser: string;
  organiser_name: string;
  enrolled: number;
  cancelled: boolean;
  /** For volunteers: whether they are enrolled, and their attendance once credited. */
  me?: { enrolled: boolean; attendance: MyAttendance | null };
  enrolments?: Enrolment[];
  attendance?: AttendanceRow[];
}

/** What a supervisor sends to publish an activity. */
export interface NewActivity {
  title: string;
  place: string;
  category: string;
  description: string;
  starts_at: string;
  ends_at: string;
  capacity: number;
  skills: string[];
  org?: string;
}

/** An activity's key, as the organiser's phone keeps it. */
export interface ActivityKey {
  activity: string;
  /** base64url. */
  key: string;
  starts_at: string;
  ends_at: string;
}

/** What `POST /api/activities/{id}/attendance` answers. */
export interface AttendanceResult {
  minutes: number;
  date: string;
  entry_id: string;
  document_id: string;
  /** The same attendance was credited before (a retry). */
  already: boolean;
}

const path = (id: string, what = "") => `/api/activities/${encodeURIComponent(id)}${what ? `/${what}` : ""}`;

export const listActivities = (api: Api) => api.get<Activity[]>("/api/activities");
export const getActivity = (api: Api, id: string) => api.get<Activity>(path(id));
export const publishActivity = (api: Api, body: NewActivity) => api.post<Activity>("/api/activities", body);
export const enrol = (api: Api, id: string) => api.post<Activity>(path(id, "enrol"), {});
export const withdraw = (api: Api, id: string) => api.post<Activity>(path(id, "withdraw"), {});
export const fetchKey = (api: Api, id: string) => api.get<ActivityKey>(path(id, "key"));
export const sendAttendance = (api: Api, id: string, checkIn: string, checkOut: string) =>
  api.post<AttendanceResult>(path(id, "attendance"), { check_in: checkIn, check_out: checkOut });
/** Confirms the credited time of `users`, or of everyone checked in and not yet confirmed. */
export const confirmAttendance = (api: Api, id: string, users?: string[]) =>
  api.post<{ confirmed: number }>(path(id, "confirm"), users ? { users } : {});

/** Whether an activity is over. */
export const ended = (a: Pick<Activity, "ends_at">, now = Date.now()): boolean => Date.parse(a.ends_at) < now;
/** Whether it has no place left (capacity 0: no limit). */
export const full = (a: Pick<Activity, "capacity" | "enrolled">): boolean => a.capacity > 0 && a.enrolled >= a.capacity;

// ---------------------------------------------------------------------------------------
// Kept on the device

function readJson<T>(key: string, fallback: T): T {
  try {
    return (JSON.parse(localStorage.getItem(key) ?? "null") as T | null) ?? fallback;
  } catch {
    return fallback;
  }
}

const LIST = "linli.activities";

/** The activities last listed for `user`, and when (ms), or null. */
export function keptList(user: string): { at: number; list: Activity[] } | null {
  const kept = readJson<{ user?: string; at?: number; list?: Activity[] } | null>(LIST, null);
  return kept?.user === user && Array.isArray(kept.list) ? { at: kept.at ?? 0, list: kept.list } : null;
}

export function keepList(user: string, list: Activity[]): void {
  // Supervisors' enrolment and attendance lists stay on the server.
  const slim = list.map(({ enrolments: _e, attendance: _a, ...a }) => a);
  localStorage.setItem(LIST, JSON.stringify({ user, at: Date.now(), list: slim }));
}

const KEYS = "linli.activity-keys";

/** An organiser's key with what the code screen shows of its activity. */
export interface KeptKey extends ActivityKey {
  user: string;
  title: string;
  place: string;
}

export function keptKey(user: string, activity: string): KeptKey | null {
  const k = readJson<Record<string, KeptKey>>(KEYS, {})[activity];
  return k && k.user === user ? k : null;
}

export function keepKey(k: KeptKey): void {
  const all = readJson<Record<string, KeptKey>>(KEYS, {});
  // Keys of activities ended more than a week ago are not needed any more.
  const week = 7 * 86_400_000;
  for (const [id, old] of Object.entries(all)) if (Date.parse(old.ends_at) < Date.now() - week) delete all[id];
  all[k.activity] = k;
  localStorage.setItem(KEYS, JSON.stringify(all));
}

/** Forgets the organisers' keys and the activity list on sign-out (a volunteer's scans not
 * yet handed in stay: they are hours, tied to their user, and sent at their next sign-in). */
export function forgetActivityKeys(): void {
  localStorage.removeItem(KEYS);
  localStorage.removeItem(LIST);
}

const CHECKINS = "linli.checkins";

/** One scanned code: its text, the minute it carries, and when it was scanned (ms). */
export interface Scanned {
  code: string;
  minute: number;
  at: number;
}

/** A volunteer's scans at one activity, until the server has credited them. */
export interface Checkin {
  user: string;
  activity: string;
  /** The activity's title, to say what is waiting when the list is not at hand. */
  title: string;
  in?: Scanned;
  out?: Scanned;
  /** What the server credited. */
  result?: AttendanceResult;
  /** Why the server refused the pair (its words), until the volunteer scans again. */
  refused?: string;
}

const checkinKey = (user: string, activity: string) => `${user}|${activity}`;

function allCheckins(): Record<string, Checkin> {
  return readJson<Record<string, Checkin>>(CHECKINS, {});
}

export function checkinOf(user: string, activity: string): Checkin | null {
  return allCheckins()[checkinKey(user, activity)] ?? null;
}

/** The check-ins of `user` with both scans and not yet credited or refused. */
export function checkinsToSend(user: string): Checkin[] {
  return Object.values(allCheckins()).filter(c => c.user === user && c.in && c.out && !c.result && !c.refused);
}

/** Changes (or with `null` forgets) the check-in of `user` at `activity`. */
export function updateCheckin(user: string, activity: string, change: ((c: Checkin) => void) | null, title = ""): Checkin | null {
  const all = allCheckins();
  const key = checkinKey(user, activity);
  if (!change) {
    delete all[key];
    localStorage.setItem(CHECKINS, JSON.stringify(all));
    return null;
  }
  const c = all[key] ?? { user, activity, title };
  if (title) c.title = title;
  change(c);
  all[key] = c;
  localStorage.setItem(CHECKINS, JSON.stringify(all));
  return c;
}

/** The scan a check-in waits for next. */
export const nextScan = (c: Checkin | null): Scan | null => (!c?.in ? "i" : !c.out ? "o" : null);
