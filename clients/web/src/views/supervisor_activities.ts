// The supervisor's activities tab (issue #20): publishing a volunteer activity (title, place,
// kind of service, time, places, skills wanted), the unit's activities, an activity's page
// with who enrolled and who checked in and out (confirming the credited time of one person or
// of everyone), and the check-in code to show at the activity: a big QR code that changes
// every minute, signed on this device with the activity's key. The key is fetched once, when
// the activity's page or code is first opened with a network, and kept on the device
// (activities.ts), so the code shows at the activity with no network at all. The list and
// the activity last seen are kept too; the enrolled and attendance lists need a connection.
import { html, nothing } from "lit-html";
import {
  type Activity,
  confirmAttendance,
  fetchKey,
  getActivity,
  keepKey,
  keepList,
  keptKey,
  keptList,
  listActivities,
  type NewActivity,
  publishActivity,
} from "../activities";
import { canSign, minuteNow, type Scan, signCode } from "../checkin_code";
import { type Ctx, when } from "../context";
import { orgLabel, orgName, unitsUnder } from "../directory";
import { setFormError } from "../form_errors";
import { code, t } from "../i18n";
import { CATEGORIES } from "../records";
import { SKILLS, volunteerWords } from "../words_volunteers";
import { activityWhen, clock, minuteClock, placesLine, refuse, skillsLine, stateBadge } from "./activity_shared";
import { fill } from "./people/shared";
import { refusalView } from "./refusal";

type View = "list" | "new" | "activity" | "code";

const st = {
  user: "",
  view: "list" as View,
  /** The activity whose page or code is shown. */
  id: "",
  list: [] as Activity[],
  /** When the list shown was loaded (ms); 0 when never. */
  at: 0,
  /** The last load of the list failed (offline): what is shown is as kept. */
  failed: false,
  /** The activity's page as the server last sent it (with its lists), and whether the last
   * load of it failed. */
  detail: null as Activity | null,
  detailFailed: false,
  /** The request under way (its button is disabled meanwhile). */
  working: "",
  /** What went well last: a word and what fills it. */
  notice: null as null | { key: "ac_published" | "ac_confirmed_n"; vars: Record<string, string | number> },
  /** The new activity form's first values (fixed while it is open, so redraws keep what is typed). */
  defaults: { date: "", starts: "", ends: "" },
  /** The code shown: check-in or check-out. */
  scan: "i" as Scan,
};

/** The QR code on screen and what it was made for. */
const qr = { id: "", scan: "" as Scan | "", minute: -1, url: "", generation: 0, timer: 0 as ReturnType<typeof setInterval> | 0 };

function forUser(ctx: Ctx): void {
  if (st.user === ctx.session.user) return;
  st.user = ctx.session.user;
  const kept = keptList(st.user);
  st.list = kept?.list ?? [];
  st.at = kept?.at ?? 0;
}

/** Loads the unit's activities, and the activity shown with its lists (called by the desk's
 * loader, also every few seconds while the tab is open). Never fails: offline, what is kept
 * is shown, and the tab says so itself. */
export async function loadActivities(ctx: Ctx): Promise<void> {
  forUser(ctx);
  try {
    st.list = await listActivities(ctx.api);
    st.at = Date.now();
    st.failed = false;
    keepList(ctx.session.user, st.list);
  } catch {
    st.failed = true;
  }
  if ((st.view === "activity" || st.view === "code") && st.id) {
    const id = st.id;
    try {
      const a = await getActivity(ctx.api, id);
      if (st.id === id) {
        st.detail = a;
        st.detailFailed = false;
      }
      await ensureKey(ctx, a);
    } catch {
      if (st.id === id) st.detailFailed = true;
    }
  }
}

/** Fetches and keeps the activity's key, once. */
async function ensureKey(ctx: Ctx, a: Activity): Promise<void> {
  if (keptKey(ctx.session.user, a.id) || ctx.session.role !== "supervisor") return;
  try {
    const k = await fetchKey(ctx.api, a.id);
    keepKey({ ...k, activity: k.activity || a.id, user: ctx.session.user, title: a.title, place: a.place });
    ctx.refresh();
  } catch {
    // offline, or not this supervisor's activity: asked again on the next load
  }
}

function go(ctx: Ctx, view: View, id = st.id): void {
  st.view = view;
  st.id = id;
  if (view === "list" || view === "new") st.detail = null;
  else if (st.detail?.id !== id) st.detail = null;
  st.notice = view === "activity" ? st.notice : null;
  if (view === "new") st.defaults = firstTimes();
  setFormError("ac-new", null);
  setFormError("ac-confirm", null);
  if (view === "code") startCode(ctx);
  if (view === "activity" || view === "code") void loadActivities(ctx).then(() => ctx.refresh());
  ctx.refresh();
  requestAnimationFrame(() => window.scrollTo(0, 0));
}

const pad = (n: number) => String(n).padStart(2, "0");
const localDate = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const localTime = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

/** Today, the next full hour, and two hours later. */
function firstTimes() {
  const start = new Date();
  start.setMinutes(0, 0, 0);
  start.setHours(start.getHours() + 1);
  const end = new Date(start.getTime() + 2 * 3_600_000);
  return { date: localDate(start), starts: localTime(start), ends: localTime(end) };
}

/** A local date and time as RFC 3339 in UTC, without fractions of a second. */
const utc = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** The units an activity may be published for, when there is a choice: the supervisor's own
 * (its volunteers are those of every community under it) and each community under it. */
function communities(ctx: Ctx): { path: string; name: string }[] {
  const own = ctx.session.org;
  if (own.split("/").length >= 3) return [];
  const under = unitsUnder(own).filter(u => u.path.split("/").length === 3);
  return under.length ? [{ path: own, name: orgName(own) }, ...under] : [];
}

async function publish(ctx: Ctx, e: SubmitEvent): Promise<void> {
  e.preventDefault();
  const form = e.target as HTMLFormElement;
  const data = new FormData(form);
  const value = (k: string) => String(data.get(k) ?? "").trim();
  const [title, place, date, starts, ends] = ["title", "place", "date", "starts", "ends"].map(value);
  if (!title || !place || !date || !starts || !ends) {
    setFormError("ac-new", "ac_err_needed");
    ctx.refresh();
    return;
  }
  const from = new Date(`${date}T${starts}`);
  let to = new Date(`${date}T${ends}`);
  // An end earlier in the day than the start is the next day (an evening into the night).
  if (to < from) to = new Date(to.getTime() + 86_400_000);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || to <= from) {
    setFormError("ac-new", "ac_err_times");
    ctx.refresh();
    return;
  }
  const ticked = SKILLS.filter(k => data.getAll("skills").includes(k)).map(k => volunteerWords[`sk_${k}`][0]);
  const written = value("other_skills").split(/[、,，;；\n]+/).map(s => s.trim()).filter(Boolean);
  const body: NewActivity = {
    title,
    place,
    category: value("category") || "other",
    description: value("description"),
    starts_at: utc(from),
    ends_at: utc(to),
    capacity: Math.max(0, Math.floor(Number(value("capacity") || "0")) || 0),
    skills: [...new Set([...ticked, ...written])],
  };
  const org = value("org");
  if (org) body.org = org;
  st.working = "publish";
  setFormError("ac-new", null);
  ctx.refresh();
  try {
    const a = await publishActivity(ctx.api, body);
    st.list = [...st.list.filter(x => x.id !== a.id), a];
    st.detail = a;
    go(ctx, "activity", a.id);
    st.notice = { key: "ac_published", vars: { title: a.title } };
    void ensureKey(ctx, a);
  } catch (err) {
    refuse("ac-new", err);
  } finally {
    st.working = "";
    ctx.refresh();
  }
}

function newForm(ctx: Ctx) {
  const units = communities(ctx);
  const d = st.defaults;
  return html`<section class="card" data-testid="activity-new-form">
    <button class="link" data-testid="activity-back" @click=${() => go(ctx, "list")}>${t("ac_back_to_list")}</button>
    <h2>${t("ac_new")}</h2>
    <form class="form activity-form" @submit=${(e: SubmitEvent) => void publish(ctx, e)} novalidate>
      <label>${t("ac_form_title")}<input name="title" data-testid="ac-title" maxlength="100" required autocomplete="off" /></label>
      <label>${t("ac_form_place")}<input name="place" data-testid="ac-place" maxlength="200" required autocomplete="off" /></label>
      ${units.length
        ? html`<label>${t("ac_form_community")}<select name="org" data-testid="ac-org">
            ${units.map((u, i) => html`<option value=${u.path} ?selected=${i === 0}>${i === 0 ? u.name : orgLabel(u.path, ctx.session.org)}</option>`)}</select></label>`
        : nothing}
      <label>${t("ac_form_category")}<select name="category" data-testid="ac-category">
        ${CATEGORIES.map(c => html`<option value=${c}>${code("cat", c)}</option>`)}</select></label>
      <div class="times">
        <label>${t("ac_form_date")}<input name="date" type="date" data-testid="ac-date" required .value=${d.date} /></label>
        <label>${t("ac_form_starts")}<input name="starts" type="time" data-testid="ac-starts" required .value=${d.starts} /></label>
        <label>${t("ac_form_ends")}<input name="ends" type="time" data-testid="ac-ends" required .value=${d.ends} /></label>
      </div>
      <label>${t("ac_form_capacity")}<input name="capacity" type="number" min="0" max="10000" step="1" data-testid="ac-capacity" .value=${"0"} /></label>
      <fieldset class="ticks"><legend>${t("ac_form_skills")}</legend>
        ${SKILLS.map(k => html`<label class="check"><input type="checkbox" name="skills" value=${k} data-testid="ac-skill" data-skill=${k} />${t(`sk_${k}`)}</label>`)}
      </fieldset>
      <label>${t("ac_form_skill_other")}<input name="other_skills" data-testid="ac-skill-other" maxlength="200" autocomplete="off" /></label>
      <label>${t("ac_form_description")}<textarea name="description" data-testid="ac-description" rows="3" maxlength="2000"></textarea></label>
      ${refusalView("ac-new", "activity-new")}
      <button type="submit" class="primary" data-testid="ac-publish" ?disabled=${st.working === "publish"}>${st.working === "publish" ? t("ac_publishing") : t("ac_publish")}</button>
    </form>
  </section>`;
}

function listView(ctx: Ctx) {
  const sorted = [...st.list].sort((a, b) => b.starts_at.localeCompare(a.starts_at));
  return html`<section class="card" data-testid="activities-desk">
    <div class="row spread"><h2>${t("ac_title")}</h2>
      ${ctx.session.role === "supervisor" ? html`<button class="primary" data-testid="activity-new" @click=${() => go(ctx, "new")}>${t("ac_new")}</button>` : nothing}</div>
    ${st.failed ? html`<p class="small" data-testid="activities-kept">${st.at ? fill(t("ac_kept_offline"), { time: when(st.at) }) : t("ac_never_loaded")}</p>` : nothing}
    ${st.at && sorted.length === 0 ? html`<p>${t("ac_none")}</p>` : nothing}
    <ul class="list">${sorted.map(a => html`<li data-testid="activity-row" data-id=${a.id}>
      <button class="row-link" data-testid="activity-open" @click=${() => go(ctx, "activity", a.id)}>
        <b>${a.title}</b> ${stateBadge(a)}
        <span class="small">${activityWhen(a)} · ${a.place} · ${orgLabel(a.org, ctx.session.org)}</span>
        <span class="small" data-testid="activity-places">${placesLine(a)}</span>
      </button></li>`)}</ul>
  </section>`;
}

async function confirm(ctx: Ctx, users?: string[]): Promise<void> {
  st.working = users ? `confirm:${users.join(",")}` : "confirm";
  setFormError("ac-confirm", null);
  ctx.refresh();
  try {
    const { confirmed } = await confirmAttendance(ctx.api, st.id, users);
    st.notice = { key: "ac_confirmed_n", vars: { n: confirmed } };
    await loadActivities(ctx);
  } catch (e) {
    refuse("ac-confirm", e);
  } finally {
    st.working = "";
    ctx.refresh();
  }
}

/** The moment an attendance list gives (RFC 3339 or ms) as a clock time. */
const at = (v: string | number | null) => (v === null || v === "" ? "" : clock(typeof v === "number" ? v : Date.parse(v)));

function activityPage(ctx: Ctx) {
  const a = st.detail ?? st.list.find(x => x.id === st.id);
  if (!a) return html`<section class="card"><button class="link" @click=${() => go(ctx, "list")}>${t("ac_back_to_list")}</button>
    <p class="loading" role="status">${t("loading")}</p></section>`;
  const enrolments = st.detail?.enrolments ?? [];
  const attendance = st.detail?.attendance ?? [];
  const waiting = attendance.filter(r => r.entry_status !== "approved");
  const key = keptKey(ctx.session.user, a.id);
  return html`<section class="card" data-testid="activity-page" data-id=${a.id}>
      <button class="link" data-testid="activity-back" @click=${() => go(ctx, "list")}>${t("ac_back_to_list")}</button>
      <div class="row spread"><h2 data-testid="activity-page-title">${a.title}</h2>${stateBadge(a)}</div>
      ${st.notice ? html`<p class="msg ok" role="status" data-testid="activity-notice">${fill(t(st.notice.key), st.notice.vars)}</p>` : nothing}
      <dl class="activity-facts">
        <dt>${t("ac_when")}</dt><dd data-testid="activity-when">${activityWhen(a)}</dd>
        <dt>${t("ac_where")}</dt><dd data-testid="activity-place">${a.place} · ${orgLabel(a.org, ctx.session.org)}</dd>
        <dt>${t("ac_kind")}</dt><dd data-testid="activity-category">${code("cat", a.category)}</dd>
        <dt>${t("ac_skills")}</dt><dd data-testid="activity-skills">${skillsLine(a.skills)}</dd>
        <dt>${t("ac_places")}</dt><dd data-testid="activity-places">${placesLine(a)}</dd>
        <dt>${t("ac_organiser")}</dt><dd>${a.organiser_name || a.organiser}</dd>
        ${a.description ? html`<dt>${t("ac_about")}</dt><dd>${a.description}</dd>` : nothing}
      </dl>
      ${a.cancelled || ctx.session.role !== "supervisor" ? nothing : html`<button class="primary" data-testid="show-code" @click=${() => go(ctx, "code", a.id)}>${t("ac_show_code")}</button>`}
      ${key ? html`<p class="small" data-testid="key-kept">${t("ac_key_kept")}</p>` : nothing}
    </section>
    ${st.detailFailed && !st.detail ? html`<p class="small" data-testid="activity-offline">${t("ac_detail_offline")}</p>` : nothing}
    ${st.detail
      ? html`<section class="card" data-testid="enrolments">
          <h3>${t("ac_enrolments")} <span class="count" data-testid="enrolments-count">${enrolments.length}</span></h3>
          ${enrolments.length === 0 ? html`<p class="small">${t("ac_no_enrolments")}</p>` : nothing}
          <ul class="list">${enrolments.map(r => html`<li data-testid="enrolment" data-user=${r.user}>
            <b>${r.name || r.user}</b>${r.volunteer_number ? html` <span class="small">${fill(t("ac_number"), { number: r.volunteer_number })}</span>` : nothing}
            ${r.enrolled_at ? html`<span class="small"> · ${fill(t("ac_enrolled_at"), { time: when(r.enrolled_at) })}</span>` : nothing}</li>`)}</ul>
        </section>
        <section class="card" data-testid="attendance">
          <h3>${t("ac_attendance")} <span class="count" data-testid="attendance-count">${attendance.length}</span></h3>
          ${attendance.length === 0 ? html`<p class="small">${t("ac_no_attendance")}</p>` : nothing}
          <ul class="list">${attendance.map(r => {
            const status = r.entry_status ?? "submitted";
            const busy = st.working === `confirm:${r.user}` || st.working === "confirm";
            return html`<li data-testid="attendance-row" data-user=${r.user} data-status=${status} data-minutes=${r.minutes}>
              <div class="row spread"><b>${r.name || r.user}</b>
                <span class="badge ${status}" data-testid="attendance-status">${code("ac_entry", status)}</span></div>
              <span class="small">${fill(t("ac_in_at"), { time: at(r.checked_in_at) })} · ${fill(t("ac_out_at"), { time: at(r.checked_out_at) })}
                · <b data-testid="attendance-minutes">${fill(t("ac_minutes"), { n: r.minutes })}</b></span>
              ${status === "submitted" && ctx.session.role === "supervisor"
                ? html`<div><button data-testid="confirm-one" ?disabled=${busy} aria-label=${fill(t("ac_confirm_whose"), { name: r.name || r.user })}
                    @click=${() => void confirm(ctx, [r.user])}>${t("ac_confirm")}</button></div>`
                : nothing}
            </li>`;
          })}</ul>
          ${waiting.some(r => (r.entry_status ?? "submitted") === "submitted") && ctx.session.role === "supervisor"
            ? html`<button class="primary" data-testid="confirm-all" ?disabled=${st.working.startsWith("confirm")} @click=${() => void confirm(ctx)}>${fill(t("ac_confirm_all"), { n: waiting.filter(r => (r.entry_status ?? "submitted") === "submitted").length })}</button>`
            : nothing}
          ${refusalView("ac-confirm", "confirm")}
        </section>`
      : nothing}`;
}

// ---------------------------------------------------------------------------------------
// The check-in code

/** The QR library, fetched the first time a code is shown (the service worker keeps it). */
let qrcode: Promise<typeof import("qrcode")> | null = null;
const loadQrcode = () => (qrcode ??= import("qrcode"));

/** Makes the QR code of the current minute when it is not on screen yet. */
async function renewCode(ctx: Ctx): Promise<void> {
  if (st.view !== "code") return;
  const key = keptKey(ctx.session.user, st.id);
  if (!key || !canSign()) return;
  const minute = minuteNow();
  if (qr.id === st.id && qr.scan === st.scan && qr.minute === minute) return;
  const generation = ++qr.generation;
  const [id, scan] = [st.id, st.scan];
  const text = await signCode(key.key, id, scan, minute);
  const module = await loadQrcode();
  const lib = (module as unknown as { default?: typeof module }).default ?? module;
  const url = await lib.toDataURL(text, { errorCorrectionLevel: "M", margin: 4, width: 480, color: { dark: "#000000", light: "#ffffff" } });
  if (generation !== qr.generation) return; // a newer minute or the other code meanwhile
  Object.assign(qr, { id, scan, minute, url });
  ctx.refresh();
}

/** The screen kept on while the code is shown (a phone held up for an hour would sleep). */
let wakeLock: WakeLockSentinel | null = null;
/** The browser refused it once: not asked again. */
let wakeRefused = false;

async function keepAwake(on: boolean): Promise<void> {
  try {
    if (on && !wakeLock && !wakeRefused && "wakeLock" in navigator && document.visibilityState === "visible") {
      const lock = await navigator.wakeLock.request("screen");
      // The browser lets it go when the page is hidden: asked again on the next tick.
      lock.addEventListener("release", () => {
        if (wakeLock === lock) wakeLock = null;
      });
      wakeLock = lock;
    } else if (!on && wakeLock) {
      const lock = wakeLock;
      wakeLock = null;
      await lock.release();
    }
  } catch {
    // refused (battery saving, a headless browser): the screen may sleep as usual
    if (on) wakeRefused = true;
  }
}

/** Keeps the code of the current minute on screen while the code view is open. */
function startCode(ctx: Ctx): void {
  if (!qr.timer) {
    qr.timer = setInterval(() => {
      if (st.view !== "code") {
        clearInterval(qr.timer);
        qr.timer = 0;
        void keepAwake(false);
        return;
      }
      if (!wakeLock) void keepAwake(true);
      void renewCode(ctx);
    }, 1000);
  }
  void keepAwake(true);
  void renewCode(ctx);
}

function codeView(ctx: Ctx) {
  const key = keptKey(ctx.session.user, st.id);
  const a = st.detail ?? st.list.find(x => x.id === st.id);
  const title = a?.title ?? key?.title ?? "";
  const place = a?.place ?? key?.place ?? "";
  const pick = (scan: Scan) => {
    st.scan = scan;
    void renewCode(ctx);
    ctx.refresh();
  };
  const shown = qr.id === st.id && qr.scan === st.scan && qr.url;
  let body;
  if (!canSign()) body = html`<p class="error" role="alert" data-testid="code-no-crypto">${t("ac_code_no_crypto")}</p>`;
  else if (!key) body = html`<p class="loading" role="status" data-testid="code-no-key">${navigator.onLine ? t("loading") : t("ac_code_no_key")}</p>`;
  else if (!shown) body = html`<p class="loading" role="status">${t("loading")}</p>`;
  else {
    body = html`<img class="qr" data-testid="checkin-qr" data-scan=${qr.scan} data-minute=${qr.minute} src=${qr.url}
        alt=${t(qr.scan === "i" ? "ac_code_alt_in" : "ac_code_alt_out")} width="480" height="480" />
      <p class="code-time">${t("ac_code_now")} <b data-testid="code-time">${minuteClock(qr.minute)}</b></p>`;
  }
  return html`<section class="card checkin-code" data-testid="code-view" data-id=${st.id}>
    <button class="link" data-testid="code-back" @click=${() => go(ctx, "activity")}>${t("ac_code_back")}</button>
    <h2 data-testid="code-title">${title}</h2>
    <p class="small">${a ? html`${activityWhen(a)} · ` : nothing}${place}</p>
    <div class="row code-which" role="group" aria-label=${t("ac_code_which")}>
      <button class=${st.scan === "i" ? "primary" : ""} aria-pressed=${String(st.scan === "i")} data-testid="code-in" @click=${() => pick("i")}>${t("ac_code_in")}</button>
      <button class=${st.scan === "o" ? "primary" : ""} aria-pressed=${String(st.scan === "o")} data-testid="code-out" @click=${() => pick("o")}>${t("ac_code_out")}</button>
    </div>
    <p class="code-kind" data-testid="code-kind">${t(st.scan === "i" ? "ac_code_in" : "ac_code_out")}</p>
    ${body}
    <p class="code-offline" data-testid="code-offline">${t("ac_code_offline")}</p>
    <p class="small">${t("ac_code_how")}</p>
  </section>`;
}

/** The activities tab of the supervisor's desk. */
export function activitiesTab(ctx: Ctx) {
  forUser(ctx);
  if (st.view === "new") return newForm(ctx);
  if (st.view === "activity") return activityPage(ctx);
  if (st.view === "code") {
    if (!qr.timer) startCode(ctx);
    return codeView(ctx);
  }
  return listView(ctx);
}
