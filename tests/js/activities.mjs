// A volunteer activity with offline QR check-in, in a real chromium against a real server
// (issue #20). The supervisor publishes an activity that has just begun from the desk's
// activities tab; a volunteer, on a 390 px phone, makes their volunteer record, finds the
// activity on their home screen and enrols. Codes that the phone can refuse by itself (a
// check-out code first, another activity's code, text that is no code) are refused in words,
// and a forged pair typed into the fallback field is refused by the server in words, in
// Chinese and in English. The organiser's screen shows the check-in QR code; the volunteer's
// phone goes offline and "photographs" it (the file input gets a PNG of the QR element),
// and shows the check-in as waiting to sync. The organiser's page is reloaded with no network
// and still shows the codes (the key was kept); after the organiser's minute has moved on it
// shows the check-out code, which the offline volunteer scans the same way. Back online, the
// phone sends both and shows the minutes credited, waiting for the organiser; the organiser
// (online again) sees the attendance and confirms it, and the volunteer sees it confirmed.
// Every screen is checked by axe-core, for 44 px targets, one h1 and no sideways scrolling,
// and kept as a screenshot. Prints what it saw as JSON for tests/e2e/web_activities.rs,
// which checks the codes against the server's own signing and the stored document.
//
//   node activities.mjs activities --base URL --password PW --shots DIR --supervisor NAME
//        --volunteer NAME

import { apiGet, apiPost, appCached, base, connection, desk, log, open, opt, runScenarios, settled, shot, switchLanguage, textOnceChanged, token, TIMEOUT, until } from "./browser.mjs";
import { audit } from "./a11y.mjs";

const text = async (page, selector) => ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ").trim();
const pad = n => String(n).padStart(2, "0");
const localDate = d => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const localTime = d => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
const minuteNow = () => Math.floor(Date.now() / 60_000);
/** A signature of the right form that no organiser made (16 zero bytes). */
const FORGED = "A".repeat(22);

/** Checks the screen as it is, and keeps a screenshot of it. */
async function check(page, out, label, name) {
  out.problems.push(...(await audit(page, label)));
  out.screens.push(label);
  await shot(page, name);
}

/** The volunteer's scans kept on the phone for the activity. */
const keptScans = (page, id) =>
  page.evaluate(id => Object.values(JSON.parse(localStorage.getItem("linli.checkins") ?? "{}")).find(c => c.activity === id) ?? null, id);

async function activities(browser) {
  const out = { problems: [], screens: [] };
  const tag = Date.now().toString(36).slice(-5);
  const title = `重阳节陪伴老人-${tag}`;
  // Begun ten minutes ago, for two hours: codes of now are inside it, and the credit is the
  // minutes between the two scans.
  const starts = new Date(Date.now() - 10 * 60_000);
  const ends = new Date(starts.getTime() + 120 * 60_000);

  // The supervisor publishes it at the desk.
  const office = await desk(browser);
  const sup = await open(office, opt.supervisor);
  await sup.click("[data-testid=tab-activities]");
  await sup.waitForSelector("[data-testid=activities-desk]");
  out.tabLabel = await text(sup, "[data-testid=tab-activities]");
  await sup.click("[data-testid=activity-new]");
  await sup.waitForSelector("[data-testid=activity-new-form]");
  // Sent without a title: said in words, nothing published.
  await sup.fill("[data-testid=ac-title]", "");
  await sup.click("[data-testid=ac-publish]");
  out.emptyRefusal = await textOnceChanged(sup, "[data-testid=activity-new-error-word]", "");
  await sup.fill("[data-testid=ac-title]", title);
  await sup.fill("[data-testid=ac-place]", "安康社区老年活动室");
  out.orgOptions = await sup.$$eval("[data-testid=ac-org] option", els => els.map(o => o.textContent.trim())).catch(() => []);
  await sup.selectOption("[data-testid=ac-category]", "elderly");
  await sup.fill("[data-testid=ac-date]", localDate(starts));
  await sup.fill("[data-testid=ac-starts]", localTime(starts));
  await sup.fill("[data-testid=ac-ends]", localTime(ends));
  await sup.fill("[data-testid=ac-capacity]", "5");
  await sup.check("[data-testid=ac-skill][data-skill=elderly]");
  await sup.fill("[data-testid=ac-skill-other]", "陪聊");
  await sup.fill("[data-testid=ac-description]", "陪老人聊天、读报，帮忙整理房间。");
  await check(sup, out, "publish form zh", "publish-form");
  await sup.click("[data-testid=ac-publish]");
  await sup.waitForSelector("[data-testid=activity-page]");
  const id = await sup.getAttribute("[data-testid=activity-page]", "data-id");
  out.id = id;
  out.published = {
    title: await text(sup, "[data-testid=activity-page-title]"),
    notice: await text(sup, "[data-testid=activity-notice]"),
    places: await text(sup, "[data-testid=activity-page] [data-testid=activity-places]"),
    category: await text(sup, "[data-testid=activity-category]"),
    skills: await text(sup, "[data-testid=activity-skills]"),
  };
  await sup.waitForSelector("[data-testid=key-kept]");
  await check(sup, out, "activity page zh", "activity-page");
  // Another activity of the street, which the volunteer will not join.
  const supToken = await token(opt.supervisor);
  const other = await apiPost(supToken, "/api/activities", {
    title: `社区环境清扫-${tag}`,
    place: "安康社区广场",
    category: "environment",
    description: "",
    starts_at: starts.toISOString(),
    ends_at: ends.toISOString(),
    capacity: 0,
    skills: [],
  });

  // The volunteer, on a phone: their record first, then the activity on their home screen.
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN" });
  const v = await open(phoneContext, opt.volunteer);
  await v.waitForSelector("[data-testid=create-volunteer]");
  await v.fill("[data-testid=create-volunteer] input[name=name]", "王志愿");
  await v.click("[data-testid=create-volunteer] button[type=submit]");
  await v.waitForSelector("[data-testid=log-hours-form]");
  await connection(v, "online");
  await settled(v);
  await appCached(v);
  const openRow = `[data-testid=open-activity][data-id="${id}"]`;
  await v.waitForSelector(openRow);
  out.offered = {
    title: await text(v, `${openRow} [data-testid=activity-title]`),
    when: await text(v, `${openRow} [data-testid=activity-when]`),
    places: await text(v, `${openRow} [data-testid=activity-places]`),
    button: await text(v, `${openRow} [data-testid=activity-enrol]`),
  };
  await check(v, out, "volunteer activities zh", "volunteer-offered");
  await v.click(`${openRow} [data-testid=activity-enrol]`);
  const row = `[data-testid=my-activity][data-id="${id}"]`;
  await v.waitForSelector(row);
  out.enrolled = {
    notice: await text(v, `${row} [data-testid=activity-notice]`),
    state: await text(v, `${row} [data-testid=checkin-state]`),
    scan: await text(v, `${row} [data-testid=checkin-scan]`),
    places: await text(v, `${row} [data-testid=activity-places]`),
  };
  await check(v, out, "volunteer enrolled zh", "volunteer-enrolled");
  // Withdrawn and enrolled again: the place is given back and taken.
  await v.click(`${row} [data-testid=activity-withdraw]`);
  await v.waitForSelector(`${openRow} [data-testid=activity-notice]`);
  out.withdrawn = {
    notice: await text(v, `${openRow} [data-testid=activity-notice]`),
    places: await text(v, `${openRow} [data-testid=activity-places]`),
  };
  await v.click(`${openRow} [data-testid=activity-enrol]`);
  await v.waitForSelector(`${row} [data-testid=activity-notice]`);

  // What the phone refuses by itself, typed into the fallback field.
  await v.click(`${row} [data-testid=checkin-type] summary`);
  const typeCode = async code => {
    const before = await text(v, `${row} [data-testid=checkin-error]`);
    await v.fill(`${row} [data-testid=checkin-code]`, code);
    await v.click(`${row} [data-testid=checkin-code-submit]`);
    return textOnceChanged(v, `${row} [data-testid=checkin-error-word]`, before);
  };
  const m = minuteNow();
  out.refusals = {
    checkOutFirst: await typeCode(`LINLI-CI1.${id}.o.${m}.${FORGED}`),
    otherActivity: await typeCode(`LINLI-CI1.0123456789abcdef.i.${m}.${FORGED}`),
    notEnrolled: await typeCode(`LINLI-CI1.${other.id}.i.${m}.${FORGED}`),
    notACode: await typeCode("https://example.org/活动签到"),
  };
  await check(v, out, "volunteer code refused zh", "volunteer-not-a-code");
  // A forged pair: taken by the phone (it cannot check signatures), refused by the server.
  await v.fill(`${row} [data-testid=checkin-code]`, `LINLI-CI1.${id}.i.${m}.${FORGED}`);
  await v.click(`${row} [data-testid=checkin-code-submit]`);
  await v.waitForSelector(`${row} [data-testid=checkin-state][data-state=in]`);
  if (!(await v.isVisible(`${row} [data-testid=checkin-code]`))) await v.click(`${row} [data-testid=checkin-type] summary`);
  await v.fill(`${row} [data-testid=checkin-code]`, `LINLI-CI1.${id}.o.${m + 1}.${FORGED}`);
  await v.click(`${row} [data-testid=checkin-code-submit]`);
  await v.waitForSelector(`${row} [data-testid=checkin-state][data-state=refused]`);
  out.forged = {
    zh: await text(v, `${row} [data-testid=checkin-refused-word]`),
    said: await text(v, `${row} [data-testid=checkin-refused-said]`),
    heading: await text(v, `${row} [data-testid=checkin-state]`),
  };
  await check(v, out, "forged code refused zh", "volunteer-forged");
  await switchLanguage(v, "en");
  out.forged.en = await textOnceChanged(v, `${row} [data-testid=checkin-refused-word]`, out.forged.zh);
  out.forged.saidEn = await text(v, `${row} [data-testid=checkin-refused-said]`);
  await check(v, out, "forged code refused en", "volunteer-forged-en");
  await switchLanguage(v, "zh");
  await v.click(`${row} [data-testid=checkin-again]`);
  await v.waitForSelector(`${row} [data-testid=checkin-state][data-state=none]`);

  // The organiser shows the check-in code (on a phone-sized screen).
  await sup.setViewportSize({ width: 390, height: 844 });
  await sup.click("[data-testid=show-code]");
  const qr = "[data-testid=checkin-qr]";
  await sup.waitForSelector(`${qr}[data-scan=i]`);
  out.codeView = {
    title: await text(sup, "[data-testid=code-title]"),
    kind: await text(sup, "[data-testid=code-kind]"),
    offline: await text(sup, "[data-testid=code-offline]"),
    time: await text(sup, "[data-testid=code-time]"),
    alt: await sup.getAttribute(qr, "alt"),
    pressed: await sup.getAttribute("[data-testid=code-in]", "aria-pressed"),
  };
  await check(sup, out, "check-in code zh", "code-in");
  await switchLanguage(sup, "en");
  out.codeView.offlineEn = await textOnceChanged(sup, "[data-testid=code-offline]", out.codeView.offline);
  out.codeView.kindEn = await text(sup, "[data-testid=code-kind]");
  await check(sup, out, "check-in code en", "code-in-en");
  await switchLanguage(sup, "zh");
  const inPng = await sup.locator(qr).screenshot();
  out.codeView.minute = Number(await sup.getAttribute(qr, "data-minute"));

  // The volunteer's phone, offline, photographs it.
  await phoneContext.setOffline(true);
  await connection(v, "offline");
  await v.setInputFiles(`${row} [data-testid=checkin-file]`, { name: "checkin.png", mimeType: "image/png", buffer: inPng });
  await v.waitForSelector(`${row} [data-testid=checkin-state][data-state=in]`);
  out.checkedIn = {
    text: await text(v, `${row} [data-testid=checkin-in]`),
    next: await text(v, `${row} [data-testid=checkin-scan]`),
    kept: await text(v, "[data-testid=activities-kept]").catch(() => null),
    redErrors: await v.$$eval(".error, [role=alert]", els => els.map(e => e.textContent.trim()).filter(Boolean)),
  };
  await check(v, out, "checked in offline zh", "volunteer-checked-in");
  await switchLanguage(v, "en");
  out.checkedIn.en = await textOnceChanged(v, `${row} [data-testid=checkin-in]`, out.checkedIn.text);
  await check(v, out, "checked in offline en", "volunteer-checked-in-en");
  await switchLanguage(v, "zh");
  const scannedIn = await keptScans(v, id);

  // The organiser's page, reloaded with no network: the codes still show (the key was kept).
  await appCached(sup);
  await office.setOffline(true);
  await sup.reload();
  await sup.waitForSelector("[data-testid=sync-status]");
  await sup.click("[data-testid=tab-activities]");
  await sup.click(`[data-testid=activity-row][data-id="${id}"] [data-testid=activity-open]`);
  await sup.click("[data-testid=show-code]");
  await sup.waitForSelector(`${qr}[data-scan=i]`);
  await sup.click("[data-testid=code-out]");
  // The check-out must be made in a later minute than the check-in.
  log("waiting for the organiser's next minute after", scannedIn?.in?.minute);
  await sup.waitForFunction(
    ([sel, after]) => Number(document.querySelector(`${sel}[data-scan=o]`)?.getAttribute("data-minute")) > after,
    [qr, scannedIn.in.minute],
    { timeout: 90_000 },
  );
  out.offlineCode = {
    kind: await text(sup, "[data-testid=code-kind]"),
    pressed: await sup.getAttribute("[data-testid=code-out]", "aria-pressed"),
    minute: Number(await sup.getAttribute(qr, "data-minute")),
  };
  await check(sup, out, "check-out code offline zh", "code-out-offline");
  const outPng = await sup.locator(qr).screenshot();

  await v.setInputFiles(`${row} [data-testid=checkin-file]`, { name: "checkout.png", mimeType: "image/png", buffer: outPng });
  await v.waitForSelector(`${row} [data-testid=checkin-state][data-state=out]`);
  out.checkedOut = {
    in: await text(v, `${row} [data-testid=checkin-in]`),
    out: await text(v, `${row} [data-testid=checkin-out]`),
    sync: await text(v, `${row} [data-testid=checkin-sync]`),
  };
  await check(v, out, "checked out offline zh", "volunteer-checked-out");
  const scanned = await keptScans(v, id);
  out.scans = { in: scanned.in.code, out: scanned.out.code, inMinute: scanned.in.minute, outMinute: scanned.out.minute };

  // Online again: both codes go to the server, and the minutes credited show.
  await phoneContext.setOffline(false);
  await v.waitForSelector(`${row} [data-testid=checkin-state][data-state=credited]`, { timeout: TIMEOUT });
  out.credited = {
    minutes: Number(await v.getAttribute(`${row} [data-testid=checkin-state]`, "data-minutes")),
    text: await text(v, `${row} [data-testid=checkin-credited]`),
    confirmation: await text(v, `${row} [data-testid=checkin-confirmation]`),
  };
  // The entry is on the volunteer's document, synced to the phone.
  const entry = `[data-testid=entry][data-activity="${title}"]`;
  await v.waitForSelector(entry);
  out.credited.entryStatus = await v.getAttribute(entry, "data-status");
  await check(v, out, "credited zh", "volunteer-credited");
  await switchLanguage(v, "en");
  out.credited.en = await textOnceChanged(v, `${row} [data-testid=checkin-credited]`, out.credited.text);
  out.credited.confirmationEn = await text(v, `${row} [data-testid=checkin-confirmation]`);
  await check(v, out, "credited en", "volunteer-credited-en");
  await switchLanguage(v, "zh");

  // The organiser, online again, sees the attendance and confirms it.
  await office.setOffline(false);
  await sup.click("[data-testid=code-back]");
  const attended = `[data-testid=attendance-row][data-user="${opt.volunteer}"]`;
  await sup.waitForSelector(attended, { timeout: TIMEOUT });
  out.attendance = {
    status: await sup.getAttribute(attended, "data-status"),
    statusWord: await text(sup, `${attended} [data-testid=attendance-status]`),
    minutes: Number(await sup.getAttribute(attended, "data-minutes")),
    minutesText: await text(sup, `${attended} [data-testid=attendance-minutes]`),
    enrolments: await text(sup, "[data-testid=enrolments-count]"),
    confirmAll: await text(sup, "[data-testid=confirm-all]"),
  };
  await check(sup, out, "attendance to confirm zh", "attendance");
  await sup.click(`${attended} [data-testid=confirm-one]`);
  await sup.waitForSelector(`${attended}[data-status=approved]`);
  out.confirmed = {
    statusWord: await text(sup, `${attended} [data-testid=attendance-status]`),
    notice: await text(sup, "[data-testid=activity-notice]"),
    confirmAllLeft: await sup.isVisible("[data-testid=confirm-all]"),
  };
  await check(sup, out, "attendance confirmed zh", "attendance-confirmed");
  await switchLanguage(sup, "en");
  out.confirmed.statusWordEn = await textOnceChanged(sup, `${attended} [data-testid=attendance-status]`, out.confirmed.statusWord);
  await check(sup, out, "attendance confirmed en", "attendance-confirmed-en");

  // The volunteer sees it confirmed: the entry approved (synced), and the activity says so.
  await v.waitForSelector(`${entry}[data-status=approved]`);
  await v.reload();
  await v.waitForSelector(`${row} [data-testid=checkin-state][data-status=approved]`);
  out.volunteerConfirmed = await text(v, `${row} [data-testid=checkin-confirmation]`);
  await check(v, out, "volunteer confirmed zh", "volunteer-confirmed");

  // What the server holds, through its API.
  const vt = await token(opt.volunteer);
  const mine = (await apiGet(vt, "/api/activities")).find(a => a.id === id);
  out.api = { me: mine?.me ?? null, enrolled: mine?.enrolled ?? null };
  const st = await token(opt.supervisor);
  const detail = await apiGet(st, `/api/activities/${id}`);
  out.api.attendance = detail.attendance;
  out.api.approved = (await apiGet(st, "/api/volunteer-entries?status=approved&limit=500")).filter(e => e.activity === title);
  out.title = title;
  await office.close();
  await phoneContext.close();
  return out;
}

await runScenarios({ activities });
