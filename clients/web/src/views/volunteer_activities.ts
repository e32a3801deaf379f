// The volunteer's activities on their home screen (issue #20): the activities of their
// community to enrol in, the ones they enrolled in, and at an activity the check-in and the
// check-out. Each is a QR code on the organiser's phone, photographed with this phone's camera
// (`<input type=file capture>`, read with jsQR) or, when that fails, its text pasted. The
// codes are kept on the phone (activities.ts, `linli.checkins`) with no network too, and sent
// together once both are there and the phone is online (at start, on `online` events, and
// every so often while something waits); the server checks them and credits the time
// between as an entry for the organiser to confirm. What the phone can tell of a code (its
// form, its activity, check-in or check-out, the order) it tells at once; the signature only
// the server can check. The list is kept on the phone as last loaded, so it shows offline.
import { html, nothing } from "lit-html";
import { AuthError } from "../auth";
import {
  type Activity,
  checkinOf,
  checkinsToSend,
  type Checkin,
  enrol,
  ended,
  full,
  keepList,
  keptList,
  listActivities,
  nextScan,
  sendAttendance,
  updateCheckin,
  withdraw,
} from "../activities";
import { parseCode } from "../checkin_code";
import { hours, type Ctx } from "../context";
import { formError, formErrorDetail, setFormError } from "../form_errors";
import { code, t, type Key } from "../i18n";
import { activityWhen, clock, knownRefusal, minuteClock, placesLine, refuse, serverSaid, skillsLine, stateBadge } from "./activity_shared";
import { colon, fill } from "./people/shared";
import { refusalView } from "./refusal";

/** How long after a failed or old load the list is asked for again, and waiting scans sent. */
const RETRY_MS = 30_000;
/** The minutes around an activity in which its codes are taken (sync-core's GRACE_MINUTES). */
const GRACE_MINUTES = 120;

const state = {
  user: "",
  list: [] as Activity[],
  /** When the list shown was loaded (ms), 0 when never. */
  at: 0,
  loading: false,
  askedAt: 0,
  /** The activity whose enrolment or withdrawal is under way. */
  busy: "",
  /** The activity whose photo is being read. */
  reading: "",
  sending: false,
  sentAt: 0,
  /** What went well, per activity: a word and what fills it (so it follows the language). */
  notices: new Map<string, { key: Key; vars: Record<string, string | number> }>(),
};

/** The screen to redraw when the network returns. */
let current: Ctx | null = null;

const formOf = (id: string) => `ac:${id}`;

function forUser(ctx: Ctx): void {
  if (state.user === ctx.session.user) return;
  state.user = ctx.session.user;
  const kept = keptList(state.user);
  state.list = kept?.list ?? [];
  state.at = kept?.at ?? 0;
  state.askedAt = 0;
}

async function load(ctx: Ctx): Promise<void> {
  if (state.loading) return;
  state.loading = true;
  state.askedAt = Date.now();
  try {
    state.list = await listActivities(ctx.api);
    state.at = Date.now();
    keepList(ctx.session.user, state.list);
  } catch {
    // Offline or the server unreachable: the kept list stays, asked again later.
  } finally {
    state.loading = false;
    ctx.refresh();
  }
}

/** Puts the server's newer copy of one activity in the list (and keeps the list). */
function replace(ctx: Ctx, a: Activity): void {
  const i = state.list.findIndex(x => x.id === a.id);
  if (i >= 0) state.list[i] = a;
  else state.list.push(a);
  keepList(ctx.session.user, state.list);
}

/** Sends the check-ins with both scans, while online. */
async function flush(ctx: Ctx): Promise<void> {
  if (state.sending || !navigator.onLine) return;
  const waiting = checkinsToSend(ctx.session.user);
  if (waiting.length === 0) return;
  state.sending = true;
  state.sentAt = Date.now();
  ctx.refresh();
  let credited = false;
  try {
    for (const c of waiting) {
      try {
        const result = await sendAttendance(ctx.api, c.activity, c.in!.code, c.out!.code);
        updateCheckin(ctx.session.user, c.activity, x => {
          x.result = result;
          delete x.refused;
        });
        setFormError(formOf(c.activity), null);
        credited = true;
      } catch (e) {
        if (!(e instanceof AuthError) || e.status === 401 || e.status >= 500) break; // offline: later
        const text = serverSaid(e);
        if (/volunteer record/i.test(text)) {
          // The volunteer's record has not reached the server yet: sent again later.
          setFormError(formOf(c.activity), "ac_err_no_record", text);
          continue;
        }
        updateCheckin(ctx.session.user, c.activity, x => {
          x.refused = text || `${e.status}`;
        });
      }
    }
  } finally {
    state.sending = false;
    ctx.refresh();
  }
  if (credited) await load(ctx);
}

window.addEventListener("online", () => {
  if (!current) return;
  void load(current);
  void flush(current);
});

/** jsQR, fetched the first time a code is read (the service worker keeps it for offline). */
let jsqr: Promise<typeof import("jsqr")> | null = null;
const loadJsqr = () => (jsqr ??= import("jsqr"));

async function bitmapOf(file: Blob): Promise<CanvasImageSource & { width: number; height: number }> {
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(file);
    } catch {
      // not a picture this way: try an <img>
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return Object.assign(img, { width: img.naturalWidth, height: img.naturalHeight });
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The text of the QR code in a photo, or null. A camera's photo is drawn smaller first
 * (jsQR on 12 megapixels is slow on a cheap phone), then at a larger size if that failed. */
export async function readQrCode(file: Blob): Promise<string | null> {
  const [module, image] = await Promise.all([loadJsqr(), bitmapOf(file)]);
  const jsQR = (module as unknown as { default?: typeof module.default }).default ?? (module as unknown as typeof module.default);
  const canvas = document.createElement("canvas");
  const g = canvas.getContext("2d", { willReadFrequently: true });
  if (!g) return null;
  for (const max of [1024, 2048]) {
    const scale = Math.min(1, max / Math.max(image.width, image.height));
    canvas.width = Math.max(1, Math.round(image.width * scale));
    canvas.height = Math.max(1, Math.round(image.height * scale));
    g.drawImage(image, 0, 0, canvas.width, canvas.height);
    const pixels = g.getImageData(0, 0, canvas.width, canvas.height);
    const found = jsQR(pixels.data, pixels.width, pixels.height);
    if (found?.data) return found.data;
    if (scale === 1) break;
  }
  return null;
}

/** Takes a scanned or typed code for activity `a`: what the phone can tell of it is checked
 * here, and the scan kept (sent once both are there). */
function accept(ctx: Ctx, a: Activity, text: string): boolean {
  const form = formOf(a.id);
  state.notices.delete(a.id);
  const c = parseCode(text);
  if (!c) {
    setFormError(form, "ac_err_not_code");
    return false;
  }
  if (c.activity !== a.id) {
    const other = state.list.find(x => x.id === c.activity);
    if (other && !other.me?.enrolled) setFormError(form, "ac_err_not_enrolled");
    else if (other) setFormError(form, "ac_err_other_named", other.title);
    else setFormError(form, "ac_err_other_activity");
    return false;
  }
  const kept = checkinOf(ctx.session.user, a.id);
  const wanted = nextScan(kept);
  if (!wanted) return false;
  if (c.scan !== wanted) {
    setFormError(form, wanted === "i" ? "ac_err_need_in" : "ac_err_need_out");
    return false;
  }
  const starts = Math.floor(Date.parse(a.starts_at) / 60_000);
  const ends = Math.floor(Date.parse(a.ends_at) / 60_000);
  if (c.minute < starts - GRACE_MINUTES || c.minute > ends + GRACE_MINUTES) {
    setFormError(form, "ac_err_outside");
    return false;
  }
  if (wanted === "o" && kept?.in && c.minute <= kept.in.minute) {
    setFormError(form, "ac_err_same_minute");
    return false;
  }
  const scanned = { code: text.trim(), minute: c.minute, at: Date.now() };
  updateCheckin(ctx.session.user, a.id, x => {
    if (wanted === "i") x.in = scanned;
    else x.out = scanned;
  }, a.title);
  setFormError(form, null);
  if (wanted === "o") void flush(ctx);
  ctx.refresh();
  return true;
}

async function photographed(ctx: Ctx, a: Activity, input: HTMLInputElement): Promise<void> {
  const file = input.files?.[0];
  input.value = "";
  if (!file) return;
  state.reading = a.id;
  setFormError(formOf(a.id), null);
  ctx.refresh();
  try {
    const text = await readQrCode(file);
    if (text === null) setFormError(formOf(a.id), "ac_err_no_qr");
    else accept(ctx, a, text);
  } catch {
    setFormError(formOf(a.id), "ac_err_no_qr");
  } finally {
    state.reading = "";
    ctx.refresh();
  }
}

async function enrolOrWithdraw(ctx: Ctx, a: Activity, how: "enrol" | "withdraw"): Promise<void> {
  state.busy = a.id;
  state.notices.delete(a.id);
  setFormError(formOf(a.id), null);
  ctx.refresh();
  try {
    const fresh = await (how === "enrol" ? enrol : withdraw)(ctx.api, a.id);
    replace(ctx, fresh);
    state.notices.set(a.id, { key: how === "enrol" ? "ac_enrolled_ok" : "ac_withdrawn_ok", vars: { title: a.title } });
    if (how === "enrol") void loadJsqr().catch(() => {});
  } catch (e) {
    refuse(formOf(a.id), e);
  } finally {
    state.busy = "";
    ctx.refresh();
  }
}

function notice(id: string) {
  const n = state.notices.get(id);
  return n ? html`<p class="msg ok" role="status" data-testid="activity-notice">${fill(t(n.key), n.vars)}</p>` : nothing;
}

/** The form error of an activity, with the title of another activity filled in. */
function errorView(a: Activity, testid: string) {
  const form = formOf(a.id);
  // The word for another activity names it: the detail kept is its title, not the server's.
  const word = formError(form);
  if (word.includes("{title}")) {
    return html`<div class="msg error" role="alert" data-testid=${`${testid}-error`}><span data-testid=${`${testid}-error-word`}>${fill(word, { title: formErrorDetail(form) })}</span></div>`;
  }
  return refusalView(form, testid);
}

/** The line saying where the check-in stands, and what was credited. */
function checkinState(ctx: Ctx, a: Activity, c: Checkin | null) {
  const att = a.me?.attendance ?? null;
  const times = c?.in
    ? html`<span data-testid="checkin-times">${fill(t("ac_in_at"), { time: minuteClock(c.in.minute) })}${c.out ? html` · ${fill(t("ac_out_at"), { time: minuteClock(c.out.minute) })}` : nothing}</span>`
    : nothing;
  if (att || c?.result) {
    const minutes = att?.minutes ?? c!.result!.minutes;
    const status = att?.status ?? "submitted";
    return html`<div class="checkin credited" data-testid="checkin-state" data-state="credited" data-minutes=${minutes} data-status=${status}>
      <p><b data-testid="checkin-credited">${fill(t(minutes < 60 ? "ac_credited_minutes" : "ac_credited"), { hours: hours(minutes), minutes })}</b>
        · <span class="badge ${status === "approved" ? "approved" : "submitted"}" data-testid="checkin-confirmation">${t(status === "approved" ? "ac_confirmed" : "ac_waiting_confirm")}</span></p>
      ${c?.in ? html`<p class="small">${times}</p>` : nothing}
    </div>`;
  }
  if (c?.refused) {
    const again = () => {
      updateCheckin(ctx.session.user, a.id, null);
      setFormError(formOf(a.id), null);
      ctx.refresh();
    };
    return html`<div class="checkin refused" data-testid="checkin-state" data-state="refused">
      <p class="error" role="alert"><b>${t("ac_refused")}</b>${colon()}<span data-testid="checkin-refused-word">${t(knownRefusal(c.refused) ?? "err_refused")}</span>
        <br /><small class="said" data-testid="checkin-refused-said">${t("server_said")}${colon()}${c.refused}</small></p>
      <button data-testid="checkin-again" @click=${again}>${t("ac_scan_again")}</button>
    </div>`;
  }
  if (c?.in && c.out) {
    return html`<div class="checkin pending" data-testid="checkin-state" data-state="out">
      <p><b data-testid="checkin-in">${fill(t("ac_state_in"), { time: minuteClock(c.in.minute) })}</b></p>
      <p><b data-testid="checkin-out">${fill(t("ac_state_out"), { time: minuteClock(c.out.minute) })}</b></p>
      <p class="small" data-testid="checkin-sync">${state.sending ? t("ac_sending") : t("ac_will_send")}</p>
    </div>`;
  }
  if (c?.in) {
    return html`<div class="checkin pending" data-testid="checkin-state" data-state="in">
      <p><b data-testid="checkin-in">${fill(t("ac_state_in"), { time: minuteClock(c.in.minute) })}</b></p>
      <p class="small">${t("ac_how_out")}</p>
    </div>`;
  }
  if (a.cancelled) return nothing;
  return html`<p class="small" data-testid="checkin-state" data-state="none">${t("ac_how_in")}</p>`;
}

/** The buttons and field that take the next code. */
function scanControls(ctx: Ctx, a: Activity, c: Checkin | null) {
  const wanted = nextScan(c);
  if (!wanted || c?.refused || c?.result || a.me?.attendance || a.cancelled) return nothing;
  const fileId = `ac-file-${a.id}`;
  const typed = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const field = form.elements.namedItem("code") as HTMLInputElement;
    if (accept(ctx, a, field.value)) field.value = "";
    ctx.refresh();
  };
  return html`<div class="row">
      <button class="primary" data-testid="checkin-scan" data-scan=${wanted} ?disabled=${state.reading === a.id}
        @click=${() => (document.getElementById(fileId) as HTMLInputElement | null)?.click()}>${t(wanted === "i" ? "ac_scan_in" : "ac_scan_out")}</button>
      <input id=${fileId} type="file" accept="image/*" capture="environment" hidden data-testid="checkin-file"
        aria-label=${t(wanted === "i" ? "ac_photo_in" : "ac_photo_out")}
        @change=${(e: Event) => void photographed(ctx, a, e.target as HTMLInputElement)} />
    </div>
    ${state.reading === a.id ? html`<p class="loading" role="status" data-testid="checkin-reading">${t("ac_reading")}</p>` : nothing}
    <details class="type-code" data-testid="checkin-type">
      <summary>${t("ac_type_code")}</summary>
      <form class="form" @submit=${typed}>
        <label>${t("ac_code_field")}<input name="code" data-testid="checkin-code" autocomplete="off" autocapitalize="off" spellcheck="false" maxlength="200" required /></label>
        <button type="submit" data-testid="checkin-code-submit">${t("ac_code_submit")}</button>
      </form>
    </details>`;
}

function details(a: Activity) {
  return html`<p class="small" data-testid="activity-when">${activityWhen(a)} · <span data-testid="activity-place">${a.place}</span></p>
    <p class="small">${code("cat", a.category)}${a.skills.length ? html` · ${t("ac_skills")}: ${skillsLine(a.skills)}` : nothing}
      · <span data-testid="activity-places">${placesLine(a)}</span></p>
    ${a.description ? html`<p class="small">${a.description}</p>` : nothing}`;
}

function mineRow(ctx: Ctx, a: Activity) {
  const c = checkinOf(ctx.session.user, a.id);
  const mayWithdraw = !c?.in && !a.me?.attendance && !ended(a) && !a.cancelled;
  return html`<li class="activity" data-testid="my-activity" data-id=${a.id}>
    <div class="row spread"><b data-testid="activity-title">${a.title}</b>${stateBadge(a)}</div>
    ${details(a)}
    ${checkinState(ctx, a, c)}
    ${scanControls(ctx, a, c)}
    ${errorView(a, "checkin")}
    ${notice(a.id)}
    ${mayWithdraw
      ? html`<button class="link" data-testid="activity-withdraw" ?disabled=${state.busy === a.id}
          @click=${() => void enrolOrWithdraw(ctx, a, "withdraw")}>${t("ac_withdraw")}</button>`
      : nothing}
  </li>`;
}

function openRow(ctx: Ctx, a: Activity) {
  const isFull = full(a);
  return html`<li class="activity" data-testid="open-activity" data-id=${a.id}>
    <div class="row spread"><b data-testid="activity-title">${a.title}</b>${stateBadge(a)}</div>
    ${details(a)}
    <button class="primary" data-testid="activity-enrol" ?disabled=${isFull || state.busy === a.id}
      @click=${() => void enrolOrWithdraw(ctx, a, "enrol")}>${isFull ? t("ac_full") : t("ac_enrol")}</button>
    ${errorView(a, "enrol")}
    ${notice(a.id)}
  </li>`;
}

/** The activities card on the volunteer's home screen. */
export function activitiesCard(ctx: Ctx) {
  current = ctx;
  forUser(ctx);
  const online = navigator.onLine;
  // Asked at once, then again every so often while on screen (to see the organiser confirm).
  if (online && !state.loading && Date.now() - state.askedAt > (state.askedAt ? RETRY_MS : 0)) void load(ctx);
  if (online && !state.sending && Date.now() - state.sentAt > RETRY_MS && checkinsToSend(ctx.session.user).length > 0) void flush(ctx);
  const byStart = (x: Activity, y: Activity) => x.starts_at.localeCompare(y.starts_at);
  const mine = state.list.filter(a => a.me?.enrolled).sort(byStart);
  const open = state.list.filter(a => !a.me?.enrolled && !a.cancelled && !ended(a)).sort(byStart);
  const never = state.at === 0;
  if (mine.some(a => !a.cancelled && !ended(a))) void loadJsqr().catch(() => {});
  return html`<section class="card activities" data-testid="activities" aria-busy=${String(never && state.loading)}>
    <h2>${t("ac_title")}</h2>
    ${!online && !never ? html`<p class="small" data-testid="activities-kept">${fill(t("ac_kept_offline"), { time: clock(state.at) })}</p>` : nothing}
    ${never
      ? html`<p class="loading" role="status" data-testid="activities-loading">${online ? t("loading") : t("ac_never_loaded")}</p>`
      : html`
        <h3>${t("ac_mine")}</h3>
        ${mine.length ? html`<ul class="list" data-testid="my-activities">${mine.map(a => mineRow(ctx, a))}</ul>` : html`<p class="small">${t("ac_none_mine")}</p>`}
        <h3>${t("ac_open")}</h3>
        ${open.length ? html`<ul class="list" data-testid="open-activities">${open.map(a => openRow(ctx, a))}</ul>` : html`<p class="small">${t("ac_none_open")}</p>`}`}
  </section>`;
}
