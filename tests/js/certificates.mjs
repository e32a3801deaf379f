// Certificates of volunteer service and star levels in the web app (issue #20), in a real
// chromium against a real server with the demo county. The Rust test has made a registered
// volunteer with approved hours (tests/e2e/web_certificates.rs). Here:
// - anyone, not signed in, opens the page that checks a certificate's number from the login
//   screen and is told a made-up number is no certificate, in Chinese and in English;
// - the volunteer, on a phone, sees their star level, their approved hours and the hours to the
//   next star; asks for a certificate (sent empty first: stopped in the browser) with a purpose
//   and a period;
// - the street's supervisor, at the desk, finds the request in the people tab and issues it with
//   a contact; downloads its PDF; reads the volunteers' stars and hours for the year and the
//   community's year, and the year before;
// - the volunteer sees the certificate's number without reloading, downloads its PDF, opens the
//   printable page and prints it (chromium's own PDF of the printed page), all in Chinese and in
//   English; offline after a reload, the stars and the list are still there;
// - anyone checks the number at `#verify/<number>` and sees the name and ID number masked and
//   the hours.
// The screens are checked by axe-core, for touch targets, one h1 and no sideways scrolling.
// Prints what it saw as JSON (with the paths of the PDFs it saved) for the Rust test; it
// asserts nothing itself.
//
//   node certificates.mjs certificates --base URL --password PW --shots DIR --files DIR
//        --supervisor NAME --volunteer LOGIN --community PATH --purpose TEXT --from DATE
//        --to DATE --contact TEXT --made-up NUMBER

import { execFileSync } from "node:child_process";
import { copyFileSync } from "node:fs";
import { appCached, base, connection, desk, log, open, opt, phone, runScenarios, shot, switchLanguage, textOnceChanged, TIMEOUT } from "./browser.mjs";
import { audit } from "./a11y.mjs";

const PHONE = { width: 390, height: 844 };
const DESK = { width: 1280, height: 860 };

const text = async (page, selector) => ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ").trim();
const textOr = async (page, selector) => ((await page.$(selector)) ? text(page, selector) : null);

/** Org paths (`c01/s01`), raw user names and the words' keys that should read as words. */
function codesIn(s) {
  const found = [];
  for (const re of [/\bc\d\d(\/[a-z]\d\d)+\b/g, /\b(worker|sup|vol)-c\d\d[-\w]*/g, /\b(rk|ce|cv|vs|su|idt|act)_[a-z_0-9]+/g]) {
    for (const m of s.matchAll(re)) found.push(m[0]);
  }
  return [...new Set(found)];
}

/** Chinese left on a part of the page in English, but for what `keep` allows (names, what was
 * typed, the certificate itself). */
async function hanIn(page, selector, keep = []) {
  const words = await page.evaluate(sel => {
    const el = document.querySelector(sel);
    if (!el) return [];
    const copy = el.cloneNode(true);
    copy.querySelectorAll("[lang=zh-CN], [data-testid=language]").forEach(e => e.remove());
    return copy.innerText.match(/[\u3400-\u9fff]+/g) ?? [];
  }, selector);
  return words.filter(w => !keep.some(k => k.includes(w)));
}

/** Checks the screen as it is, and keeps a screenshot of it. */
async function check(page, out, label, name) {
  out.problems.push(...(await audit(page, label)));
  out.screens.push(label);
  await shot(page, name);
}

/** Clicks `selector` and saves the file the browser is handed, as `file` under --files. */
async function download(page, selector, file) {
  const [got] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
  const path = `${opt.files}/${file}`;
  await got.saveAs(path);
  return { path, name: got.suggestedFilename() };
}

/** The page's words for a part of the stars card. */
const starsNow = async page => ({
  level: await text(page, "[data-testid=star-level]"),
  glyphs: await text(page, "[data-testid=star-glyphs]"),
  glyphsLabel: await page.getAttribute("[data-testid=star-glyphs]", "aria-label"),
  total: await text(page, "[data-testid=stars-total]"),
  year: await text(page, "[data-testid=stars-year]"),
  yearLabel: await text(page, "[data-testid=stars-year] + span"),
  next: await text(page, "[data-testid=stars-next]"),
  fetched: await text(page, "[data-testid=stars-fetched]"),
  stale: await page.getAttribute("[data-testid=stars-fetched]", "data-stale"),
});

async function verifyNotFound(browser, out) {
  const context = await phone(browser);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", e => log("checker page error:", e.message));
  await page.goto(base + "/");
  await page.waitForSelector("[data-testid=login-form]");
  out.verifyLink = await text(page, "[data-testid=verify-open]");
  await check(page, out, "login with the verify link zh", "login");
  await page.click("[data-testid=verify-open]");
  await page.waitForSelector("[data-testid=verify-form]");
  out.verifyHash = await page.evaluate(() => location.hash);
  out.verifyTitle = await text(page, "[data-testid=verify-title]");
  // Sent empty: said at once, nothing asked.
  let asked = 0;
  page.on("request", r => {
    if (r.url().includes("/api/certificates/verify/")) asked += 1;
  });
  await page.click("[data-testid=verify-submit]");
  await page.waitForSelector("[data-testid=verify-empty]");
  out.verifyEmpty = { said: await text(page, "[data-testid=verify-empty]"), asked };
  await page.fill("[data-testid=verify-number]", opt["made-up"]);
  await page.click("[data-testid=verify-submit]");
  await page.waitForSelector("[data-testid=verify-result][data-found=false]");
  out.notFound = {
    zh: await text(page, "[data-testid=verify-not-found]"),
    hash: await page.evaluate(() => location.hash),
    asked,
  };
  await check(page, out, "verify not found zh", "verify-not-found");
  await switchLanguage(page, "en");
  out.notFound.en = await textOnceChanged(page, "[data-testid=verify-not-found]", out.notFound.zh);
  out.notFound.titleEn = await text(page, "[data-testid=verify-title]");
  out.notFound.hanEn = await hanIn(page, "[data-testid=verify]");
  await check(page, out, "verify not found en", "verify-not-found-en");
  await context.close();
}

async function certificates(browser) {
  const out = { problems: [], screens: [] };

  // Anyone, not signed in: the way to check a number, and a made-up one.
  await verifyNotFound(browser, out);

  // The volunteer, on a phone: stars and hours.
  const pocket = await phone(browser);
  const vol = await open(pocket, opt.volunteer);
  await vol.waitForSelector("[data-testid=stars][data-stars]");
  out.stars = await starsNow(vol);
  out.stars.progress = { value: await vol.$eval("[data-testid=stars-progress]", p => p.value), max: await vol.$eval("[data-testid=stars-progress]", p => p.max) };
  out.stars.shownYear = String(new Date().getFullYear());
  await vol.waitForSelector("[data-testid=certificates][data-loaded=true]");
  out.before = {
    none: await textOr(vol, "[data-testid=certificates-none]"),
    rows: (await vol.$$("[data-testid=certificate]")).length,
  };
  await check(vol, out, "volunteer home zh", "volunteer-home");

  // Asking: sent empty first (stopped in the browser), then with a purpose and a period.
  let posts = 0;
  vol.on("request", r => {
    if (r.method() === "POST" && r.url().endsWith("/api/certificates")) posts += 1;
  });
  await vol.click("[data-testid=certificate-ask-open]");
  await vol.waitForSelector("[data-testid=certificate-ask-form]");
  out.askFocused = await vol.evaluate(() => document.activeElement?.getAttribute("data-testid"));
  await vol.click("[data-testid=certificate-ask]");
  await vol.waitForSelector("[data-testid=certificate-ask-error-word]");
  out.askEmpty = {
    said: await text(vol, "[data-testid=certificate-ask-error-word]"),
    invalid: await vol.getAttribute("[data-testid=certificate-purpose]", "aria-invalid"),
    posts,
  };
  await vol.fill("[data-testid=certificate-purpose]", opt.purpose);
  await vol.fill("[data-testid=certificate-from]", opt.from);
  await vol.fill("[data-testid=certificate-to]", opt.to);
  await check(vol, out, "certificate ask form zh", "volunteer-ask");
  await vol.click("[data-testid=certificate-ask]");
  const mine = "[data-testid=certificate]";
  await vol.waitForSelector(`${mine}[data-status=requested]`);
  out.asked = {
    posts,
    done: await text(vol, "[data-testid=certificate-ask-done]"),
    status: await text(vol, `${mine} [data-testid=certificate-status]`),
    purpose: await text(vol, `${mine} [data-testid=certificate-purpose-shown]`),
    period: await text(vol, `${mine} [data-testid=certificate-period]`),
    formOpen: !!(await vol.$("[data-testid=certificate-ask-form]")),
    buttons: (await vol.$$(`${mine} [data-testid=certificate-open], ${mine} [data-testid=certificate-pdf]`)).length,
  };
  await check(vol, out, "certificate asked zh", "volunteer-asked");

  // The street's supervisor, at the desk: the request in the people tab, issued.
  const office = await desk(browser);
  const sup = await open(office, opt.supervisor);
  await sup.click("[data-testid=tab-people]");
  await sup.waitForSelector("[data-testid=people-list][data-loaded=true]");
  await sup.waitForSelector("[data-testid=certificates-pending]");
  out.pendingOnButton = await text(sup, "[data-testid=certificates-pending]");
  await sup.click("[data-testid=people-section-certificates]");
  const row = `[data-testid=certificate-request][data-user="${opt.volunteer}"]`;
  await sup.waitForSelector(row);
  await sup.waitForSelector("[data-testid=certificates-issued][data-loaded=true]");
  const field = name => text(sup, `${row} [data-testid=certificate-request-${name}]`);
  out.request = {
    count: await text(sup, "[data-testid=certificates-waiting-count]"),
    rows: (await sup.$$("[data-testid=certificate-request]")).length,
    name: await field("name"),
    community: await field("community"),
    purpose: await field("purpose"),
    period: await field("period"),
    when: await field("when"),
    status: await text(sup, `${row} [data-testid=certificate-status]`),
    issuedNone: await textOr(sup, "[data-testid=certificates-issued-none]"),
    codes: codesIn(await text(sup, "[data-testid=certificates-desk]")),
  };
  await sup.fill(`${row} [data-testid=certificate-contact]`, opt.contact);
  await check(sup, out, "certificate requests desk zh", "supervisor-requests");
  await sup.setViewportSize(PHONE);
  await check(sup, out, "certificate requests phone zh", "supervisor-requests-phone");
  await switchLanguage(sup, "en");
  out.requestEn = {
    period: await textOnceChanged(sup, `${row} [data-testid=certificate-request-period]`, out.request.period),
    status: await text(sup, `${row} [data-testid=certificate-status]`),
    button: await text(sup, `${row} [data-testid=certificate-issue]`),
    section: await text(sup, "[data-testid=people-section-certificates]"),
    codes: codesIn(await text(sup, "[data-testid=certificates-desk]")),
    han: await hanIn(sup, "[data-testid=certificates-desk]", [out.request.name, out.request.community, opt.purpose]),
  };
  await check(sup, out, "certificate requests phone en", "supervisor-requests-phone-en");
  await switchLanguage(sup, "zh");
  await sup.setViewportSize(DESK);

  await sup.click(`${row} [data-testid=certificate-issue]`);
  await sup.waitForSelector(`${row} [data-testid=certificate-issued-now]`);
  const issuedRow = `[data-testid=certificate-issued][data-user="${opt.volunteer}"]`;
  await sup.waitForSelector(issuedRow);
  out.issued = {
    said: await text(sup, `${row} [data-testid=certificate-issued-now]`),
    status: await text(sup, `${row} [data-testid=certificate-status]`),
    number: await sup.getAttribute(issuedRow, "data-number"),
    listedNumber: await text(sup, `${issuedRow} [data-testid=certificate-issued-number]`),
    hours: await text(sup, `${issuedRow} [data-testid=certificate-issued-hours]`),
    count: await textOnceChanged(sup, "[data-testid=certificates-waiting-count]", out.request.count),
    errors: await sup.$$eval("[data-testid=certificate-issue-error-word]", els => els.map(e => e.textContent.trim())),
  };
  out.supPdf = await download(sup, `${issuedRow} [data-testid=certificate-pdf]`, "supervisor.pdf");
  await check(sup, out, "certificate issued desk zh", "supervisor-issued");
  // Its page at the desk, and back to the list.
  await sup.click(`${issuedRow} [data-testid=certificate-open]`);
  await sup.waitForSelector("[data-testid=certificate-page]");
  out.supPage = {
    number: await text(sup, "[data-testid=certificate-number]"),
    idNumber: await text(sup, "[data-testid=certificate-id-number]"),
    lists: (await sup.$$("[data-testid=certificate-request], [data-testid=certificate-issued]")).length,
  };
  await shot(sup, "supervisor-certificate-page");
  await sup.click("[data-testid=certificate-back]");
  await sup.waitForSelector(issuedRow);
  out.supPage.backFocused = await sup.evaluate(() => document.activeElement?.getAttribute("data-testid"));

  // The volunteers' stars and hours, and the community's year, this year and the one before.
  await sup.click("[data-testid=people-section-standing]");
  await sup.waitForSelector("[data-testid=standing][data-loaded=true]");
  const mineStanding = `[data-testid=standing-row][data-user="${opt.volunteer}"]`;
  await sup.fill("[data-testid=standing-search]", out.request.name);
  await sup.waitForSelector(mineStanding);
  const community = `[data-testid=standing-community][data-org="${opt.community}"]`;
  const standingOf = async () => ({
    year: await sup.getAttribute("[data-testid=standing]", "data-year"),
    name: await text(sup, `${mineStanding} [data-testid=standing-name]`),
    number: await text(sup, `${mineStanding} [data-testid=standing-number]`),
    stars: await sup.getAttribute(`${mineStanding} [data-testid=standing-stars]`, "aria-label"),
    glyphs: await text(sup, `${mineStanding} [data-testid=standing-stars]`),
    yearHours: await text(sup, `${mineStanding} [data-testid=standing-year]`),
    total: await text(sup, `${mineStanding} [data-testid=standing-total-hours]`),
    community: {
      name: await text(sup, `${community} [data-testid=standing-community-name]`),
      volunteers: await text(sup, `${community} [data-testid=standing-community-volunteers]`),
      active: await text(sup, `${community} [data-testid=standing-community-active]`),
      hours: await text(sup, `${community} [data-testid=standing-community-hours]`),
      stars: await text(sup, `${community} [data-testid=standing-community-stars]`),
    },
    communities: (await sup.$$("[data-testid=standing-community]")).length,
    listed: await text(sup, "[data-testid=standing-count]"),
    shown: (await sup.$$("[data-testid=standing-row]")).length,
  });
  out.standing = await standingOf();
  out.standing.codes = codesIn(await text(sup, ".people-tab"));
  await check(sup, out, "volunteer standing desk zh", "supervisor-standing");
  await sup.setViewportSize(PHONE);
  await check(sup, out, "volunteer standing phone zh", "supervisor-standing-phone");
  await switchLanguage(sup, "en");
  out.standingEn = {
    yearHours: await textOnceChanged(sup, `${mineStanding} [data-testid=standing-year]`, out.standing.yearHours),
    stars: await sup.getAttribute(`${mineStanding} [data-testid=standing-stars]`, "aria-label"),
    communityStars: await text(sup, `${community} [data-testid=standing-community-stars]`),
    codes: codesIn(await text(sup, ".people-tab")),
  };
  await check(sup, out, "volunteer standing phone en", "supervisor-standing-phone-en");
  await switchLanguage(sup, "zh");
  await sup.setViewportSize(DESK);
  const lastYear = String(Number(out.standing.year) - 1);
  await sup.selectOption("[data-testid=standing-year-pick]", lastYear);
  await sup.waitForSelector(`[data-testid=standing][data-loaded=true][data-year="${lastYear}"]`);
  await sup.waitForSelector(mineStanding);
  out.standingLastYear = await standingOf();
  await office.close();

  // The volunteer: the certificate issued shows without a reload, with its number.
  await vol.waitForSelector(`${mine}[data-status=issued]`, { timeout: 40_000 });
  out.mineIssued = {
    status: await text(vol, `${mine} [data-testid=certificate-status]`),
    number: await text(vol, `${mine} [data-testid=certificate-number-shown]`),
    issuedOn: await text(vol, `${mine} [data-testid=certificate-issued-shown]`),
    hours: await text(vol, `${mine} [data-testid=certificate-hours-shown]`),
    pdfLabel: await vol.getAttribute(`${mine} [data-testid=certificate-pdf]`, "aria-label"),
  };
  await check(vol, out, "certificate issued volunteer zh", "volunteer-issued");
  out.volPdf = await download(vol, `${mine} [data-testid=certificate-pdf]`, "volunteer.pdf");
  out.volPdfErrors = await vol.$$eval("[data-testid=certificate-pdf-error-word]", els => els.map(e => e.textContent.trim()));

  // The printable page, then printed.
  await vol.click(`${mine} [data-testid=certificate-open]`);
  await vol.waitForSelector("[data-testid=certificate-page]");
  const cert = name => text(vol, `[data-testid=certificate-${name}]`);
  out.page = {
    title: await text(vol, "#certificate-title"),
    number: await cert("number"),
    name: await cert("name"),
    volunteerNumber: await cert("volunteer-number"),
    idType: await cert("id-type"),
    idNumber: await cert("id-number"),
    sentence: await cert("sentence"),
    services: (await vol.$$("[data-testid=certificate-service]")).length,
    total: await cert("total"),
    issuer: await cert("issuer-name"),
    issuedBy: await cert("issued-by"),
    contact: await cert("contact"),
    issuedOn: await cert("issued-on"),
    seal: await cert("seal"),
    verify: await cert("verify"),
    back: await text(vol, "[data-testid=certificate-back]"),
    text: await text(vol, "[data-testid=certificate-page]"),
    homeHidden: !(await vol.$("[data-testid=stars]")),
    focused: await vol.evaluate(() => document.activeElement?.getAttribute("data-testid")),
  };
  await check(vol, out, "certificate page zh", "certificate-page");
  await vol.emulateMedia({ media: "print" });
  out.printed = {
    shown: await vol.evaluate(() =>
      [...document.querySelectorAll("#app *")]
        .filter(e => e.getBoundingClientRect().height > 0 && !e.closest("[data-testid=certificate-page]") && !e.querySelector("[data-testid=certificate-page]"))
        .map(e => e.getAttribute("data-testid") || e.tagName.toLowerCase()),
    ),
  };
  await shot(vol, "certificate-print");
  await vol.pdf({ path: `${opt.files}/printed.pdf`, format: "A4", printBackground: false });
  // Read by pdf.js like the server's PDF. Chromium maps some characters of the CJK font back
  // to their compatibility forms (老 as the radical ⽼) and the title's letter spacing to
  // spaces: compared in NFKC, without white space.
  const printed = JSON.parse(execFileSync(process.execPath, ["pdf-text.mjs", `${opt.files}/printed.pdf`], { encoding: "utf8" }));
  out.printed.pages = printed.pages;
  copyFileSync(`${opt.files}/printed.pdf`, `${opt.shots}/certificates-printed.pdf`);
  out.printed.text = printed.text.join("\n").normalize("NFKC").replace(/\s+/g, "");
  await vol.emulateMedia({ media: "screen" });
  await switchLanguage(vol, "en");
  out.pageEn = {
    back: await textOnceChanged(vol, "[data-testid=certificate-back]", out.page.back),
    print: await text(vol, "[data-testid=certificate-print]"),
    title: await text(vol, "#certificate-title"),
    note: await text(vol, ".certificate-view > p"),
  };
  await check(vol, out, "certificate page en", "certificate-page-en");
  await vol.click("[data-testid=certificate-back]");
  await vol.waitForSelector("[data-testid=stars]");
  out.backFocused = await vol.evaluate(() => document.activeElement?.getAttribute("data-testid"));

  // The home screen in English.
  out.homeEn = {
    stars: await starsNow(vol),
    status: await text(vol, `${mine} [data-testid=certificate-status]`),
    period: await text(vol, `${mine} [data-testid=certificate-period]`),
    view: await text(vol, `${mine} [data-testid=certificate-open]`),
    codes: codesIn(await text(vol, "main")),
    han: await hanIn(vol, "[data-testid=stars]"),
    hanCertificates: await hanIn(vol, "[data-testid=certificates]", [opt.purpose]),
  };
  await check(vol, out, "volunteer home en", "volunteer-home-en");
  await switchLanguage(vol, "zh");

  // Offline, after a reload: the stars and the list as last fetched; no ID number kept.
  await connection(vol, "online");
  await appCached(vol);
  await pocket.setOffline(true);
  await vol.reload();
  await vol.waitForSelector("[data-testid=sync-status]");
  await connection(vol, "offline");
  await vol.waitForSelector("[data-testid=stars][data-stars]");
  await vol.waitForSelector(`${mine}[data-status=issued]`);
  out.offline = {
    stars: await starsNow(vol),
    number: await text(vol, `${mine} [data-testid=certificate-number-shown]`),
    kept: await textOr(vol, "[data-testid=certificates-kept]"),
    needsNetwork: await textOr(vol, `${mine} [data-testid=certificate-needs-network]`),
    viewDisabled: await vol.$eval(`${mine} [data-testid=certificate-open]`, b => b.disabled),
    redErrors: await vol.$$eval(".error, [role=alert]", els => els.map(e => e.textContent.trim()).filter(Boolean)),
    keptIdNumber: await vol.evaluate(n => Object.values({ ...localStorage }).some(v => v.includes(n)), out.page.idNumber),
  };
  await shot(vol, "volunteer-home-offline");
  await pocket.setOffline(false);
  await pocket.close();

  // Anyone checks the number: the address printed on the certificate, without a login.
  const anyone = await phone(browser);
  const checker = await anyone.newPage();
  checker.setDefaultTimeout(TIMEOUT);
  checker.on("pageerror", e => log("checker page error:", e.message));
  const number = out.mineIssued.number;
  await checker.goto(`${base}/#verify/${number.toLowerCase()}`);
  await checker.waitForSelector("[data-testid=verify-result][data-found=true]");
  const verified = async () => ({
    found: await text(checker, "[data-testid=verify-found]"),
    name: await text(checker, "[data-testid=verify-name]"),
    id: await text(checker, "[data-testid=verify-id]"),
    hours: await text(checker, "[data-testid=verify-hours]"),
    issuer: await text(checker, "[data-testid=verify-issuer]"),
    issuedOn: await text(checker, "[data-testid=verify-issued-on]"),
  });
  out.verified = await verified();
  out.verified.typed = await checker.inputValue("[data-testid=verify-number]");
  out.verified.pageText = await text(checker, "main");
  await check(checker, out, "verify found zh", "verify-found");
  await switchLanguage(checker, "en");
  await textOnceChanged(checker, "[data-testid=verify-found]", out.verified.found);
  out.verifiedEn = await verified();
  out.verifiedEn.han = await hanIn(checker, "[data-testid=verify]", [out.verified.name, out.verified.issuer]);
  await check(checker, out, "verify found en", "verify-found-en");
  await anyone.close();
  return out;
}

await runScenarios({ certificates });
