// One resident's whole way as a volunteer, in a real chromium against a real server with the
// demo county (issue #20, "Done means"): on a phone with no login they sign up; the street's
// supervisor approves them at the desk; they sign in with their own login, make their record
// and enrol in an activity the supervisor publishes; at the activity their phone, offline,
// photographs the organiser's check-in QR code and, a minute later, the check-out code; back
// online the minutes are credited and the organiser confirms them; they ask for a certificate,
// the supervisor issues it, they download its PDF (its text read with pdf.js) and anyone
// checks its number without a login. The parts' details (words in both languages, refusals,
// accessibility) are the other scenarios' (volunteers.mjs, activities.mjs,
// certificates.mjs); this one holds them together for one person. Prints what it saw as JSON
// for tests/e2e/web_volunteer_journey.rs; it asserts nothing itself.
//
//   node journey.mjs journey --base URL --password PW --shots DIR --files DIR
//        --supervisor NAME --community PATH --login NAME --id-number N

import { execFileSync } from "node:child_process";
import { base, connection, desk, log, open, opt, phone, runScenarios, shot, TIMEOUT } from "./browser.mjs";

const RESIDENT = { name: "周小梅", phone: "13900139000", password: "journey-pass-1" };
const text = async (page, selector) => ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ").trim();
const pad = n => String(n).padStart(2, "0");
const localDate = d => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const localTime = d => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

async function journey(browser) {
  const out = {};
  // The resident signs up, on a phone, not signed in.
  const pocket = await phone(browser);
  const v = await pocket.newPage();
  v.setDefaultTimeout(TIMEOUT);
  v.on("pageerror", e => log("volunteer page error:", e.message));
  await v.goto(base + "/");
  await v.click("[data-testid=signup-open]");
  await v.waitForSelector(`[data-testid=su-community] option[value="${opt.community}"]`, { state: "attached" });
  await v.selectOption("[data-testid=su-community]", opt.community);
  await v.fill("[data-testid=su-name]", RESIDENT.name);
  await v.fill("[data-testid=su-phone]", RESIDENT.phone);
  await v.selectOption("[data-testid=su-id-type]", "resident_id");
  await v.fill("[data-testid=su-id-number]", opt["id-number"]);
  await v.check("[data-testid=su-skill][data-skill=elderly]");
  await v.check("[data-testid=su-avail][data-avail=weekend]");
  await v.fill("[data-testid=su-login]", opt.login);
  await v.fill("[data-testid=su-password]", RESIDENT.password);
  await v.check("[data-testid=su-consent]");
  await v.click("[data-testid=su-submit]");
  await v.waitForSelector("[data-testid=signup-sent]");
  log("signed up");

  // The street's supervisor approves it at the desk.
  const office = await desk(browser);
  const sup = await open(office, opt.supervisor);
  await sup.click("[data-testid=tab-people]");
  await sup.waitForSelector("[data-testid=people-list][data-loaded=true]");
  await sup.click("[data-testid=people-section-signups]");
  const signup = `[data-testid=signup][data-login="${opt.login}"]`;
  await sup.waitForSelector(signup);
  out.signupIdShown = await text(sup, `${signup} [data-testid=signup-id-number]`);
  await sup.click(`${signup} [data-testid=signup-approve]`);
  await sup.waitForSelector(`${signup}[data-status=approved] [data-testid=signup-number]`);
  out.volunteerNumber = await text(sup, `${signup} [data-testid=signup-number]`);
  log("approved", out.volunteerNumber);

  // They sign in with their own login and make their volunteer record.
  await v.click("[data-testid=signup-done-back]");
  await v.fill("input[name=name]", opt.login);
  await v.fill("input[name=password]", RESIDENT.password);
  await v.click("button[type=submit]");
  await v.waitForSelector("[data-testid=registration-number]");
  out.homeNumber = await text(v, "[data-testid=registration-number]");
  await v.waitForSelector("[data-testid=create-volunteer]");
  await v.fill("[data-testid=create-volunteer] input[name=name]", RESIDENT.name);
  await v.click("[data-testid=create-volunteer] button[type=submit]");
  await v.waitForSelector("[data-testid=log-hours-form]");
  await connection(v, "online");

  // The supervisor publishes an activity that has just begun.
  const title = `助老送餐-${Date.now().toString(36).slice(-5)}`;
  out.title = title;
  const starts = new Date(Date.now() - 10 * 60_000);
  const ends = new Date(starts.getTime() + 120 * 60_000);
  await sup.click("[data-testid=tab-activities]");
  await sup.click("[data-testid=activity-new]");
  await sup.fill("[data-testid=ac-title]", title);
  await sup.fill("[data-testid=ac-place]", "社区食堂");
  await sup.selectOption("[data-testid=ac-category]", "elderly");
  await sup.fill("[data-testid=ac-date]", localDate(starts));
  await sup.fill("[data-testid=ac-starts]", localTime(starts));
  await sup.fill("[data-testid=ac-ends]", localTime(ends));
  await sup.fill("[data-testid=ac-capacity]", "10");
  await sup.click("[data-testid=ac-publish]");
  await sup.waitForSelector("[data-testid=activity-page]");
  const id = await sup.getAttribute("[data-testid=activity-page]", "data-id");
  out.activity = id;
  await sup.waitForSelector("[data-testid=key-kept]");
  log("published", id);

  // The volunteer enrols.
  const offered = `[data-testid=open-activity][data-id="${id}"]`;
  await v.waitForSelector(offered, { timeout: 60_000 });
  await v.click(`${offered} [data-testid=activity-enrol]`);
  const row = `[data-testid=my-activity][data-id="${id}"]`;
  await v.waitForSelector(row);

  // At the activity: the organiser's phone shows the code; the volunteer's, offline, takes it.
  await sup.setViewportSize({ width: 390, height: 844 });
  await sup.click("[data-testid=show-code]");
  const qr = "[data-testid=checkin-qr]";
  await sup.waitForSelector(`${qr}[data-scan=i]`);
  const inMinute = Number(await sup.getAttribute(qr, "data-minute"));
  const inPng = await sup.locator(qr).screenshot();
  await shot(sup, "organiser-code-in");
  await pocket.setOffline(true);
  await connection(v, "offline");
  await v.setInputFiles(`${row} [data-testid=checkin-file]`, { name: "in.png", mimeType: "image/png", buffer: inPng });
  await v.waitForSelector(`${row} [data-testid=checkin-state][data-state=in]`);
  out.checkedIn = await text(v, `${row} [data-testid=checkin-in]`);
  await sup.click("[data-testid=code-out]");
  log("waiting for the organiser's next minute after", inMinute);
  await sup.waitForFunction(
    ([sel, after]) => Number(document.querySelector(`${sel}[data-scan=o]`)?.getAttribute("data-minute")) > after,
    [qr, inMinute],
    { timeout: 90_000 },
  );
  const outMinute = Number(await sup.getAttribute(qr, "data-minute"));
  const outPng = await sup.locator(qr).screenshot();
  await v.setInputFiles(`${row} [data-testid=checkin-file]`, { name: "out.png", mimeType: "image/png", buffer: outPng });
  await v.waitForSelector(`${row} [data-testid=checkin-state][data-state=out]`);
  await shot(v, "volunteer-checked-out-offline");
  out.minutes = { in: inMinute, out: outMinute };

  // Online again: credited; the organiser confirms.
  await pocket.setOffline(false);
  await v.waitForSelector(`${row} [data-testid=checkin-state][data-state=credited]`, { timeout: TIMEOUT });
  out.credited = Number(await v.getAttribute(`${row} [data-testid=checkin-state]`, "data-minutes"));
  await sup.click("[data-testid=code-back]");
  const attended = `[data-testid=attendance-row][data-user="${opt.login}"]`;
  await sup.waitForSelector(attended, { timeout: TIMEOUT });
  await sup.click(`${attended} [data-testid=confirm-one]`);
  await sup.waitForSelector(`${attended}[data-status=approved]`);
  const entry = `[data-testid=entry][data-activity="${title}"]`;
  await v.waitForSelector(`${entry}[data-status=approved]`, { timeout: TIMEOUT });
  out.entryCheckin = await text(v, `${entry} [data-testid=entry-checkin]`);
  out.entryEditable = !!(await v.$(`${entry} button`));
  log("credited and confirmed", out.credited);

  // A certificate: asked by the volunteer, issued by the supervisor.
  await v.waitForSelector("[data-testid=certificates][data-loaded=true]");
  await v.click("[data-testid=certificate-ask-open]");
  await v.fill("[data-testid=certificate-purpose]", "申请助学金");
  await v.click("[data-testid=certificate-ask]");
  const mine = "[data-testid=certificate]";
  await v.waitForSelector(`${mine}[data-status=requested]`);
  await sup.setViewportSize({ width: 1280, height: 860 });
  await sup.click("[data-testid=tab-people]");
  await sup.click("[data-testid=people-section-certificates]");
  const request = `[data-testid=certificate-request][data-user="${opt.login}"]`;
  await sup.waitForSelector(request);
  await sup.fill(`${request} [data-testid=certificate-contact]`, "0571-88886666");
  await sup.click(`${request} [data-testid=certificate-issue]`);
  const issued = `[data-testid=certificate-issued][data-user="${opt.login}"]`;
  await sup.waitForSelector(issued);
  out.number = await sup.getAttribute(issued, "data-number");
  await v.waitForSelector(`${mine}[data-status=issued]`, { timeout: 40_000 });
  out.volunteerSeesNumber = await text(v, mine);
  const [download] = await Promise.all([v.waitForEvent("download"), v.click(`${mine} [data-testid=certificate-pdf]`)]);
  const pdf = `${opt.files}/journey.pdf`;
  await download.saveAs(pdf);
  out.pdf = JSON.parse(execFileSync(process.execPath, ["pdf-text.mjs", pdf], { encoding: "utf8" }));
  await shot(v, "volunteer-certificate-issued");
  log("certificate", out.number);

  // Anyone checks the number, without a login.
  const anyone = await phone(browser);
  const checker = await anyone.newPage();
  checker.setDefaultTimeout(TIMEOUT);
  await checker.goto(`${base}/#verify/${out.number}`);
  await checker.waitForSelector("[data-testid=verify-result][data-found=true]");
  out.verified = {
    name: await text(checker, "[data-testid=verify-name]"),
    id: await text(checker, "[data-testid=verify-id]"),
    hours: await text(checker, "[data-testid=verify-hours]"),
    page: await text(checker, "main"),
  };
  await shot(checker, "verified");
  await anyone.close();
  await office.close();
  await pocket.close();
  return out;
}

await runScenarios({ journey });
