// Every screen fit for the person using it (issue #18), in a real chromium against a real
// server with the demo county: the first load on a slow link, the supervisor's lists (loading
// then the truth, a note per item, exports that say their unit and period, words not codes),
// and every screen of every role checked by axe-core, for touch targets, one h1 and no
// sideways scrolling, in Chinese and in English. Prints what it saw as JSON for
// tests/e2e/web_screens.rs.
//
//   node screens.mjs <firstLoad|supervisor|field> --base URL --password PW --shots DIR
//        --supervisor NAME --worker NAME --volunteer NAME
//        [--sendBackA ADDRESS --sendBackB ADDRESS --conflictAddress ADDRESS]

import { readFileSync } from "node:fs";
import {
  launch, desk, open, settled, token, apiGet, until, textOnceChanged, shot, opt, base, log, TIMEOUT, runScenarios, switchLanguage,
} from "./browser.mjs";
import { audit } from "./a11y.mjs";

/** The phone the issue was seen on: 390 × 844. */
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN" };
const phone390 = browser => browser.newContext(PHONE);
const sleep = ms => new Promise(r => setTimeout(r, ms));

/** The width and height of a PNG, from its IHDR chunk. */
function pngSize(bytes) {
  const b = Buffer.from(bytes);
  if (b.toString("latin1", 1, 4) !== "PNG") return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/**
 * A first visit on a slow link (400 kbps both ways, 400 ms round trips, nothing cached): how
 * long until the login form is on screen, and until the signed-in app is; and the manifest's
 * icons for installing on Android.
 */
async function firstLoad(browser) {
  const out = { kbps: 400, rttMs: 400 };
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  page.setDefaultTimeout(120_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: out.rttMs,
    downloadThroughput: (out.kbps * 1000) / 8,
    uploadThroughput: (out.kbps * 1000) / 8,
  });
  let bytes = 0;
  cdp.on("Network.loadingFinished", e => { bytes += e.encodedDataLength; });
  const t0 = Date.now();
  await page.goto(base + "/", { waitUntil: "commit" });
  await page.waitForSelector("[data-testid=login-form] button[type=submit]", { state: "visible" });
  out.loginFormMs = Date.now() - t0;
  out.bytesBeforeForm = bytes;
  await shot(page, "slow-link-login");
  // The user types while the rest arrives; the app opens once it is all there.
  await page.fill("input[name=name]", opt.worker);
  await page.fill("input[name=password]", opt.password);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=sync-status]");
  out.signedInMs = Date.now() - t0;
  out.bytesSignedIn = bytes;
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await shot(page, "slow-link-signed-in");

  const manifest = await (await fetch(`${base}/manifest.webmanifest`)).json();
  out.icons = [];
  for (const icon of manifest.icons) {
    const r = await fetch(new URL(icon.src, `${base}/`));
    const size = icon.type === "image/png" && r.ok ? pngSize(await r.arrayBuffer()) : null;
    out.icons.push({ src: icon.src, type: icon.type, sizes: icon.sizes, purpose: icon.purpose ?? "any", status: r.status, size });
  }
  await context.close();
  return out;
}

/** The text of the page's main content, for looking for codes a person should not see. */
const mainText = page => page.evaluate(() => document.querySelector("main")?.innerText ?? "");
/** Org paths (`c01/s01`), device ids and raw user names that should read as words. */
function codesIn(text) {
  const found = [];
  for (const re of [/\bc\d\d(\/[a-z]\d\d)+\b/g, /\bdev-[0-9a-f]{6,}/g, /\b(worker|sup|vol)-c\d\d[-\w]*/g]) {
    for (const m of text.matchAll(re)) found.push(m[0]);
  }
  return [...new Set(found)];
}

const TABS = ["review", "households", "requests", "duplicates", "indicators", "community", "exports"];

/** Waits for a supervisor tab's data (its section no longer busy, no "loading" line). */
async function tabLoaded(page, tab) {
  await page.click(`[data-testid=tab-${tab}]`);
  await page.waitForSelector("[data-testid=list-loading]", { state: "detached" });
  await page.waitForFunction(() => !document.querySelector("[aria-busy=true]"));
  if (tab === "indicators") await page.waitForSelector("[data-testid=measure]");
  if (tab === "exports") await page.waitForSelector("[data-testid=export-period]:not(:has-text('…'))");
  if (tab === "community") await page.waitForSelector("[data-testid=community], [data-testid=community-create]");
}

/** The supervisor's desk, seen as the issue describes it. */
async function supervisor(browser) {
  const out = { problems: [] };
  const supToken = await token(opt.supervisor);
  const directory = await apiGet(supToken, "/api/directory");
  const context = await desk(browser);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", e => log("page error:", e.message));
  // The lists answer slowly, as on a real county server at nine in the morning: what does the
  // page say meanwhile?
  let slow = true;
  await page.route("**/api/conflicts?*", async route => {
    if (slow) await sleep(2500);
    await route.continue();
  });
  await page.goto(base + "/");
  await page.fill("input[name=name]", opt.supervisor);
  await page.fill("input[name=password]", opt.password);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=sync-status]");
  await page.waitForSelector("[data-testid=list-loading]");
  out.whileLoading = {
    loadingShown: true,
    noConflictsShown: !!(await page.$("[data-testid=no-conflicts]")),
    counts: await page.$$eval("[data-testid=conflicts] .count, [data-testid=hours-queue] .count", els => els.map(e => e.textContent.trim())),
  };
  await shot(page, "review-loading");
  await page.waitForSelector("[data-testid=list-loading]", { state: "detached" });
  slow = false;
  out.afterLoading = { counts: await page.$$eval("[data-testid=conflicts] .count, [data-testid=hours-queue] .count", els => els.map(e => e.textContent.trim())) };

  // The conflict prepared by the test: words for the field, the record, the people.
  const card = `[data-testid=conflict]:has([data-testid=conflict-record]:has-text("${opt.conflictAddress}"))`;
  await page.waitForSelector(card);
  out.conflict = {
    field: (await page.textContent(`${card} [data-testid=conflict-field]`)).trim(),
    record: (await page.textContent(`${card} [data-testid=conflict-record]`)).trim(),
    unit: (await page.textContent(`${card} [data-testid=conflict-unit]`)).trim(),
    authors: await page.$$eval(`${card} [data-testid=candidate-author]`, els => els.map(e => e.textContent.trim())),
    devices: await page.$$eval(`${card} [data-testid=candidate-device]`, els => els.map(e => e.textContent.trim())),
    current: (await page.textContent(`${card} [data-testid=current-value]`).catch(() => "")).trim(),
  };
  out.workerDisplayName = directory.users[opt.worker];
  out.reviewCodes = codesIn(await mainText(page));
  await shot(page, "review-words");

  // The review items by unit and status: the conflict's community lists it, another
  // community does not, closed items are a status away.
  const conflictTotal = () => page.getAttribute("[data-testid=conflicts]", "data-total").then(Number);
  const notBusy = () => page.waitForFunction(() => !document.querySelector("[aria-busy=true]"));
  out.conflictFilters = { all: await conflictTotal() };
  const conflictUnit = opt.conflictUnit;
  const otherUnit = await page.$eval("[data-testid=conflict-filter-org]", (el, keep) =>
    [...el.options].map(o => o.value).find(v => v && !keep.startsWith(v) && !v.startsWith(keep)), conflictUnit);
  await page.selectOption("[data-testid=conflict-filter-org]", conflictUnit);
  await page.waitForSelector(card);
  out.conflictFilters.inUnit = await conflictTotal();
  out.conflictFilters.unitsShown = await page.$$eval("[data-testid=conflict-unit]", els => [...new Set(els.map(e => e.textContent.trim()))]);
  await page.selectOption("[data-testid=conflict-filter-org]", otherUnit);
  await page.waitForSelector(card, { state: "detached" });
  await notBusy();
  out.conflictFilters.otherUnit = otherUnit;
  out.conflictFilters.otherUnitCards = (await page.$$(card)).length;
  // Each filter's list is waited for as it settles (a reload asked for while another runs
  // follows it): no section busy, every card of the status asked, the total as expected.
  const settled = (status, total) =>
    page
      .waitForFunction(
        ([status, total]) => {
          const section = document.querySelector("[data-testid=conflicts]");
          const cards = [...document.querySelectorAll("[data-testid=conflict]")];
          return !document.querySelector("[aria-busy=true]") && cards.every(c => c.dataset.status === status) &&
            (total === null || Number(section?.dataset.total) === total);
        },
        [status, total],
        { timeout: 10_000 },
      )
      .catch(() => {});
  await page.selectOption("[data-testid=conflict-filter-org]", "");
  await settled("open", out.conflictFilters.all);
  await page.selectOption("[data-testid=conflict-filter-status]", "resolved");
  await page.waitForSelector(card, { state: "detached" });
  await settled("resolved", null);
  out.conflictFilters.resolvedChoices = (await page.$$("[data-testid=conflict] [data-testid^=choose-]")).length;
  await page.selectOption("[data-testid=conflict-filter-status]", "open");
  await page.waitForSelector(card);
  await settled("open", out.conflictFilters.all);
  out.conflictFilters.back = await conflictTotal();

  // The hours queue: a page at a time, searched, by unit; the counts against the server's.
  const waiting = await apiGet(supToken, "/api/volunteer-entries?status=submitted&limit=500");
  const shown = async () => (await page.textContent("[data-testid=hours-shown]")).trim();
  const rows = () => page.$$eval("[data-testid=waiting-entry]", els => els.map(e => ({ activity: e.dataset.activity, text: e.textContent.replace(/\s+/g, " ").trim() })));
  out.hours = { waiting: waiting.length, firstPage: await shown(), rowsFirst: (await rows()).length };
  if (await page.$("[data-testid=hours-more]")) {
    await page.click("[data-testid=hours-more]");
    await page.waitForFunction(n => document.querySelectorAll("[data-testid=waiting-entry]").length > n, out.hours.rowsFirst);
  }
  out.hours.afterMore = await shown();
  out.hours.rowsAfterMore = (await rows()).length;
  const needle = (await rows())[0].activity;
  const expected = waiting.filter(e => `${e.activity} ${e.date} ${e.user}`.toLowerCase().includes(needle.toLowerCase())).length;
  await page.fill("[data-testid=hours-search]", needle);
  // Drawn on the next frame: wait for the expected count a while, then say what is shown.
  const shownTotal = n => page
    .waitForFunction(n => document.querySelector("[data-testid=hours-shown]")?.textContent.trim().endsWith(` / ${n}`), n, { timeout: 5_000 })
    .catch(() => {});
  await shownTotal(expected);
  out.hours.search = {
    needle,
    shown: await shown(),
    expected,
    rowsNotMatching: (await rows()).filter(r => !r.text.toLowerCase().includes(needle.toLowerCase())).length,
  };
  await page.fill("[data-testid=hours-search]", "");
  await shownTotal(waiting.length);
  if (await page.$("[data-testid=hours-org]")) {
    const unit = await page.$eval("[data-testid=hours-org] option:nth-child(2)", o => o.value);
    out.hours.unit = {
      label: (await page.textContent("[data-testid=hours-org] option:nth-child(2)")).trim(),
      expected: waiting.filter(e => e.org === unit || e.org.startsWith(`${unit}/`)).length,
    };
    await page.selectOption("[data-testid=hours-org]", unit);
    await shownTotal(out.hours.unit.expected);
    out.hours.unit.shown = await shown();
    out.hours.unit.rowUnits = await page.$$eval("[data-testid=waiting-entry] small", els => [...new Set(els.map(e => e.textContent.trim()))]);
    await page.selectOption("[data-testid=hours-org]", "");
  }
  await shot(page, "hours-queue");

  // Hours sent back with a note: the note goes with them and the box empties; sending the
  // next ones back needs a note of their own.
  const note = "时长与签到记录不符，请核对";
  const entry = await page.$eval("[data-testid=waiting-entry]", el => el.dataset.activity);
  await page.click(`[data-testid=waiting-entry][data-activity="${entry}"] input[type=checkbox]`);
  await page.fill("[data-testid=hours-note]", note);
  await page.click("[data-testid=send-back-selected]");
  await page.waitForFunction(a => !document.querySelector(`[data-testid=waiting-entry][data-activity="${a}"]`), entry);
  out.hoursNoteAfter = await page.inputValue("[data-testid=hours-note]");
  const sentBack = await apiGet(supToken, "/api/volunteer-entries?status=has_issues&limit=500");
  out.hoursNoteSaved = sentBack.find(e => e.activity === entry)?.review_note ?? null;
  const next = await page.$eval("[data-testid=waiting-entry]", el => el.dataset.activity);
  await page.click(`[data-testid=waiting-entry][data-activity="${next}"] input[type=checkbox]`);
  await page.click("[data-testid=send-back-selected]");
  await sleep(500);
  out.emptyNoteRefused = !!(await page.$(`[data-testid=waiting-entry][data-activity="${next}"]`));
  await page.click(`[data-testid=waiting-entry][data-activity="${next}"] input[type=checkbox]`);

  // Households: each send-back note belongs to its household.
  await tabLoaded(page, "households");
  const row = a => `[data-testid=sv-household][data-address="${a}"]`;
  await page.fill("[data-testid=sv-search]", "屏幕路");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=household-list]")?.dataset.total) === 3);
  await page.click(`${row(opt.sendBackA)} [data-testid=send-back-household]`);
  await page.fill(`${row(opt.sendBackA)} [data-testid=send-back-note]`, "缺少户主联系电话");
  await page.click(`${row(opt.sendBackA)} [data-testid=send-back-confirm]`);
  await page.waitForSelector(`${row(opt.sendBackA)} .badge.has_issues`);
  await page.click(`${row(opt.sendBackB)} [data-testid=send-back-household]`);
  out.householdBNoteShown = await page.inputValue(`${row(opt.sendBackB)} [data-testid=send-back-note]`);
  await page.click(`${row(opt.sendBackB)} [data-testid=send-back-confirm]`);
  await sleep(500);
  out.householdBSentBack = !!(await page.$(`${row(opt.sendBackB)} .badge.has_issues`));
  await shot(page, "households-note");

  // Working through the list: search, filters, pages, details before approving, several at once.
  const total = () => page.getAttribute("[data-testid=household-list]", "data-total").then(Number);
  const waitTotal = async n => page.waitForFunction(n => Number(document.querySelector("[data-testid=household-list]")?.dataset.total) === n, n);
  await page.fill("[data-testid=sv-search]", "");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=household-list]")?.dataset.total) > 3);
  out.list = { all: await total() };
  await page.click("[data-testid=sv-next]");
  await page.waitForFunction(() => /^51–/.test(document.querySelector("[data-testid=sv-page]")?.textContent.trim() ?? ""));
  out.list.secondPage = (await page.textContent("[data-testid=sv-page]")).trim();
  out.list.secondPageRows = (await page.$$("[data-testid=sv-household]")).length;
  await page.fill("[data-testid=sv-search]", "屏幕路");
  await waitTotal(3);
  out.list.searched = await total();
  out.list.searchedPage = (await page.textContent("[data-testid=sv-page]")).trim();
  await page.selectOption("[data-testid=sv-filter-review]", "has_issues");
  await waitTotal(1);
  out.list.sentBack = await page.$$eval("[data-testid=sv-household]", rows => rows.map(r => r.dataset.address));
  await page.selectOption("[data-testid=sv-filter-review]", "");
  await waitTotal(3);
  await page.click(`${row(opt.sendBackA)} [data-testid=show-details]`);
  await page.waitForSelector(`${row(opt.sendBackA)} [data-testid=sv-members]`);
  out.list.details = (await page.textContent(`${row(opt.sendBackA)} [data-testid=sv-details]`)).replace(/\s+/g, " ").trim();
  await shot(page, "households-details");
  for (const a of [opt.sendBackB, opt.conflictAddress]) {
    await page.click(`[data-testid=sv-household][data-address^="${a}"] label.check`);
  }
  await page.click("[data-testid=approve-chosen]");
  await page.waitForFunction(a => document.querySelectorAll("[data-testid=sv-household] .badge.approved").length === 2, null);
  out.list.approved = await page.$$eval("[data-testid=sv-household]:has(.badge.approved)", rows => rows.map(r => r.dataset.address));
  await page.fill("[data-testid=sv-search]", "");
  await waitTotal(out.list.all);
  const unit = await page.$eval("[data-testid=sv-filter-org] option:nth-child(2)", o => o.value);
  out.list.unitLabel = (await page.textContent("[data-testid=sv-filter-org] option:nth-child(2)")).trim();
  await page.selectOption("[data-testid=sv-filter-org]", unit);
  await page.waitForFunction(n => Number(document.querySelector("[data-testid=household-list]")?.dataset.total) < n, out.list.all);
  out.list.inUnit = await total();
  out.list.unitRowsOrgs = await page.$$eval("[data-testid=sv-household] small", els => [...new Set(els.map(e => e.textContent.trim()))]);
  await page.selectOption("[data-testid=sv-filter-org]", "");
  await waitTotal(out.list.all);

  // Exports after drilling into a community: the tab says so, and the files are named so.
  await tabLoaded(page, "indicators");
  out.topUnit = (await page.textContent("[data-testid=unit-name]")).trim();
  out.charts = await page.$$eval("svg[data-testid=chart]", els => els.map(e => e.getAttribute("aria-label") ?? ""));
  await page.click("[data-testid=measure] g.drill");
  await page.waitForFunction(top => document.querySelector("[data-testid=unit-name]")?.textContent.trim() !== top, out.topUnit);
  out.drilledUnit = (await page.textContent("[data-testid=unit-name]")).trim();
  await tabLoaded(page, "exports");
  out.exportUnitAfterDrill = (await page.textContent("[data-testid=export-unit]")).trim();
  out.exportPeriod = (await page.textContent("[data-testid=export-period]")).trim();
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=export-visits-csv]")]);
  out.exportFile = download.suggestedFilename();
  out.exportHead = readFileSync(await download.path()).toString("utf8").split("\n").slice(0, 3).join("\n");
  const top = await page.$eval("[data-testid=export-unit-select] option", o => o.value);
  await page.selectOption("[data-testid=export-unit-select]", top);
  await page.waitForFunction(t => document.querySelector("[data-testid=export-unit]")?.textContent.trim() === t, out.topUnit);
  out.exportUnitPicked = (await page.textContent("[data-testid=export-unit]")).trim();
  await shot(page, "exports-scope");

  // Every tab, at the desk and on a phone, in Chinese and in English.
  out.screens = [];
  for (const lang of ["zh", "en"]) {
    if (lang === "en") await switchLanguage(page, "en");
    for (const size of ["desk", "phone"]) {
      await page.setViewportSize(size === "desk" ? { width: 1366, height: 900 } : PHONE.viewport);
      for (const tab of TABS) {
        await tabLoaded(page, tab);
        const label = `supervisor ${tab} ${size} ${lang}`;
        out.problems.push(...(await audit(page, label)));
        out.screens.push(label);
        if (size === "phone" && tab === "review") {
          out.tabsOnPhone = await page.$$eval("[data-testid^=tab-]", (els, w) => els.filter(e => e.getBoundingClientRect().right > w + 0.5).length, PHONE.viewport.width);
        }
        if (lang === "en" || size === "phone") await shot(page, `${tab}-${size}-${lang}`);
        if (lang === "en") out.codesEn = [...new Set([...(out.codesEn ?? []), ...codesIn(await mainText(page))])];
      }
    }
  }

  // The same checks in English: the conflict card's words, what the exports cover, and a
  // list loading on a fresh page.
  await page.setViewportSize({ width: 1366, height: 900 });
  await tabLoaded(page, "review");
  await page.waitForSelector(card);
  out.english = {
    conflictField: (await page.textContent(`${card} [data-testid=conflict-field]`)).trim(),
    conflictRecord: (await page.textContent(`${card} [data-testid=conflict-record]`)).replace(/\s+/g, " ").trim(),
    hoursShown: (await page.textContent("[data-testid=hours-shown]")).trim(),
  };
  await tabLoaded(page, "exports");
  out.english.exportScope = (await page.textContent("[data-testid=export-scope]")).replace(/\s+/g, " ").trim();
  out.english.exportPeriod = (await page.textContent("[data-testid=export-period]")).trim();
  const fresh = await context.newPage();
  fresh.setDefaultTimeout(TIMEOUT);
  await fresh.route("**/api/conflicts?*", async route => {
    await sleep(2500);
    await route.continue();
  });
  await fresh.goto(base + "/");
  await fresh.waitForSelector("[data-testid=list-loading]");
  out.english.loading = (await fresh.textContent("[data-testid=list-loading]")).trim();
  out.english.countsWhileLoading = await fresh.$$eval("[data-testid=conflicts] .count", els => els.map(e => e.textContent.trim()));
  await shot(fresh, "review-loading-en");
  await fresh.close();

  // Offline: the lists say they cannot be loaded and how old what is shown is; in English too.
  await page.setViewportSize(PHONE.viewport);
  await switchLanguage(page, "zh");
  await tabLoaded(page, "review");
  await context.setOffline(true);
  await page.click("[data-testid=tab-households]");
  await page.click("[data-testid=tab-review]");
  await page.waitForSelector("[data-testid=list-failed]");
  out.offline = {
    zh: (await page.textContent("[data-testid=list-failed]")).replace(/\s+/g, " ").trim(),
    age: (await page.textContent("[data-testid=list-age]").catch(() => "")).trim(),
    conflictsStillShown: (await page.$$("[data-testid=conflict]")).length,
  };
  await shot(page, "review-offline-zh");
  await switchLanguage(page, "en");
  out.offline.en = (await page.textContent("[data-testid=list-failed]")).replace(/\s+/g, " ").trim();
  out.problems.push(...(await audit(page, "supervisor review offline en")));
  await shot(page, "review-offline-en");
  await context.setOffline(false);
  await context.close();
  return out;
}

/** The login screen, the grid worker's and the volunteer's screens on a phone. */
async function field(browser) {
  const out = { problems: [], screens: [] };
  // Login: a wrong password's error follows the language switch.
  const context = await phone390(browser);
  const login = await context.newPage();
  login.setDefaultTimeout(TIMEOUT);
  await login.goto(base + "/");
  await login.waitForSelector("[data-testid=login-form]");
  out.problems.push(...(await audit(login, "login zh")));
  await login.fill("input[name=name]", opt.worker);
  await login.fill("input[name=password]", "not-the-password");
  await login.click("button[type=submit]");
  await login.waitForSelector("[data-testid=login-error]");
  out.loginErrorZh = (await login.textContent("[data-testid=login-error]")).trim();
  await switchLanguage(login, "en");
  out.loginErrorEn = await textOnceChanged(login, "[data-testid=login-error]", out.loginErrorZh);
  out.problems.push(...(await audit(login, "login en")));
  await shot(login, "login-error-en");
  await switchLanguage(login, "zh");
  await login.close();

  // The grid worker: home, list, a small household, the visit form and its errors.
  const w = await open(context, opt.worker);
  await settled(w);
  // The grid's households arrive from the server (the demo grid has a dozen or more).
  await w.waitForSelector("[data-testid=household]", { timeout: 60_000 });
  await settled(w);
  for (const lang of ["zh", "en"]) {
    if (lang === "en") await switchLanguage(w, "en");
    out.problems.push(...(await audit(w, `worker home ${lang}`)));
    out.screens.push(`worker home ${lang}`);
    await shot(w, `worker-home-${lang}`);
  }
  await switchLanguage(w, "zh");
  // A household of one or two residents.
  const small = await until("a small household", () =>
    w.$$eval("[data-testid=household]", rows => rows.find(r => /(^|\D)[12] ?人/.test(r.textContent))?.dataset.address),
  ).catch(() => null);
  const address = small ?? (await w.$eval("[data-testid=household]", r => r.dataset.address));
  out.smallHousehold = address;
  await w.click(`[data-testid=household][data-address="${address}"] button`);
  await w.waitForSelector("[data-testid=household-detail]");
  await w.waitForSelector("[data-testid=visit-form]");
  out.visitFormTop = await w.$eval("[data-testid=visit-form]", el => Math.round(el.getBoundingClientRect().top + window.scrollY));
  out.viewportHeight = PHONE.viewport.height;
  await w.screenshot({ path: `${opt.shots}/field-household-fold.png` });
  for (const lang of ["zh", "en"]) {
    if (lang === "en") await switchLanguage(w, "en");
    out.problems.push(...(await audit(w, `worker household ${lang}`)));
    out.screens.push(`worker household ${lang}`);
  }
  // An error on the visit form, then the language switched: the error follows.
  await switchLanguage(w, "zh");
  await w.click("[data-testid=visit-form] button[type=submit]");
  await w.waitForFunction(() => document.querySelector("[data-testid=visit-error]")?.textContent.trim());
  out.visitErrorZh = (await w.textContent("[data-testid=visit-error]")).trim();
  await switchLanguage(w, "en");
  out.visitErrorEn = await textOnceChanged(w, "[data-testid=visit-error]", out.visitErrorZh);
  await shot(w, "visit-error-en");
  await switchLanguage(w, "zh");
  await w.click("[data-testid=back]");
  await w.waitForSelector("[data-testid=household]");
  // Registering a household.
  await w.click("[data-testid=new-household]");
  await w.waitForSelector("[data-testid=register-household]");
  for (const lang of ["zh", "en"]) {
    if (lang === "en") await switchLanguage(w, "en");
    out.problems.push(...(await audit(w, `worker register ${lang}`)));
    out.screens.push(`worker register ${lang}`);
  }
  await shot(w, "worker-register-en");
  await switchLanguage(w, "zh");
  await w.click("[data-testid=register-household] button[type=button]");
  out.workerCodes = codesIn(await mainText(w));
  await context.close();

  // The volunteer: home with the log form and the printable record.
  const vc = await phone390(browser);
  const v = await open(vc, opt.volunteer);
  await settled(v);
  await v.waitForSelector("[data-testid=approved-hours]");
  for (const lang of ["zh", "en"]) {
    if (lang === "en") await switchLanguage(v, "en");
    out.problems.push(...(await audit(v, `volunteer home ${lang}`)));
    out.screens.push(`volunteer home ${lang}`);
    await shot(v, `volunteer-${lang}`);
  }
  out.volunteerCodes = codesIn(await mainText(v));
  await vc.close();
  return out;
}

await runScenarios({ firstLoad, supervisor, field });
