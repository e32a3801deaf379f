// Browser end-to-end tests of the web app (clients/web) served by a real linli-server:
// playwright-core driving Debian's chromium (headless), phone-sized contexts for
// volunteers and grid workers, a desk-sized one for the supervisor, and the browser's
// own offline mode. Prints one JSON object with what was observed; the Rust test
// (tests/e2e/web.rs) asserts on it and on the server's state.
//
//   node web-e2e.mjs <volunteer|household|conflict> --base http://127.0.0.1:PORT
//        --password PW --shots DIR [--volunteer NAME] [--supervisor NAME]
//        [--worker NAME] [--worker2 NAME]

import {
  launch, phone, desk, open, appCached, connection, pending, settled, token, apiGet, apiPost, until, shot, opt, base, log, TIMEOUT, runScenarios,
} from "./browser.mjs";

const tag = Date.now().toString(36);

/** A volunteer logs hours offline, reloads offline, syncs; a supervisor approves; the volunteer sees it live. */
async function volunteer(browser) {
  const out = {};
  const activity = `陪伴独居老人-${tag}`;
  const v = await open(await phone(browser), opt.volunteer);
  await v.waitForSelector("[data-testid=create-volunteer]");
  await v.fill("[data-testid=create-volunteer] input[name=name]", "李志愿");
  await v.click("[data-testid=create-volunteer] button[type=submit]");
  await v.waitForSelector("[data-testid=log-hours-form]");
  await connection(v, "online");
  await settled(v);
  await appCached(v);
  await shot(v, "volunteer-online");

  await v.context().setOffline(true);
  await connection(v, "offline");
  await v.fill("[data-testid=log-hours-form] input[name=hours]", "2.5");
  await v.fill("[data-testid=log-hours-form] input[name=activity]", activity);
  await v.click("[data-testid=log-hours-form] button[type=submit]");
  const entry = `[data-testid=entry][data-activity="${activity}"]`;
  await v.waitForSelector(entry);
  out.pendingOffline = await pending(v);

  const sup = await token(opt.supervisor);
  const onServer = async () =>
    (await apiGet(sup, "/api/volunteer-entries?status=submitted&limit=500")).some(e => e.activity === activity);
  out.onServerWhileOffline = await onServer();

  await v.reload();
  await v.waitForSelector(entry);
  out.seenAfterOfflineReload = true;
  out.pendingAfterReload = await pending(v);
  out.stateAfterReload = await v.getAttribute("[data-testid=connection]", "data-state");
  await shot(v, "volunteer-offline-after-reload");

  await v.context().setOffline(false);
  await connection(v, "online");
  await settled(v);
  out.onServerAfterReconnect = await until("the entry on the server", onServer);
  await v.evaluate(() => {
    window.__sameSession = true;
  });

  // A second entry, online, that the supervisor will send back with a note.
  const second = `清理楼道-${tag}`;
  await v.fill("[data-testid=log-hours-form] input[name=hours]", "1");
  await v.fill("[data-testid=log-hours-form] input[name=activity]", second);
  await v.click("[data-testid=log-hours-form] button[type=submit]");
  await settled(v);

  const s = await open(await desk(browser), opt.supervisor);
  const row = `[data-testid=waiting-entry][data-activity="${activity}"]`;
  const row2 = `[data-testid=waiting-entry][data-activity="${second}"]`;
  await s.waitForSelector(row);
  await s.waitForSelector(row2);
  await s.check(`${row} input[type=checkbox]`);
  await shot(s, "supervisor-hours-queue");
  await s.click("[data-testid=approve-selected]");
  await s.waitForSelector(row, { state: "detached" });
  await s.check(`${row2} input[type=checkbox]`);
  await s.fill("[data-testid=hours-note]", "请补充服务对象");
  await s.click("[data-testid=send-back-selected]");
  await s.waitForSelector(row2, { state: "detached" });

  await v.waitForSelector(`${entry}[data-status=approved]`);
  out.approvedWithoutReload = await v.evaluate(() => window.__sameSession === true);
  out.recordShowsIt = (await v.textContent("[data-testid=service-record]")).includes(activity);
  out.recordLeavesOutOthers = !(await v.textContent("[data-testid=service-record]")).includes(second);
  out.approvedHours = await v.textContent("[data-testid=approved-hours]");
  await shot(v, "volunteer-approved");

  // The entry sent back shows the note; the volunteer corrects it, which resubmits it.
  const back = `[data-testid=entry][data-activity="${second}"]`;
  await v.waitForSelector(`${back}[data-status=has_issues]`);
  out.noteShown = (await v.textContent(back)).includes("请补充服务对象");
  await shot(v, "volunteer-sent-back");
  await v.click(`${back} button`);
  await v.fill("[data-testid=edit-entry-form] input[name=hours]", "1.5");
  await v.click("[data-testid=edit-entry-form] button[type=submit]");
  await v.waitForSelector(`${back}[data-status=submitted]`);
  await settled(v);
  out.resubmitted = await until("the corrected entry on the server", async () =>
    (await apiGet(sup, "/api/volunteer-entries?status=submitted&limit=500")).find(e => e.activity === second && e.minutes === 90),
  ).then(e => !!e);
  return out;
}

/** A grid worker registers a household offline; it reaches the supervisor's list after reconnecting. */
async function household(browser) {
  const out = {};
  const address = `幸福路${tag}号`;
  const w = await open(await phone(browser), opt.worker);
  await connection(w, "online");
  await appCached(w);
  await shot(w, "worker-households");

  await w.context().setOffline(true);
  await connection(w, "offline");
  await w.click("[data-testid=new-household]");
  await w.fill("[data-testid=register-household] input[name=address]", address);
  await w.fill("[data-testid=register-household] input[name=name]", "王大爷");
  await w.fill("[data-testid=register-household] input[name=birth_year]", "1948");
  await w.click("[data-testid=register-household] button[type=submit]");
  await w.waitForSelector("[data-testid=household-detail]");
  // Yesterday in Beijing, the app's calendar (records.ts `today`).
  const yesterday = new Date(Date.now() + 8 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
  await w.selectOption("[data-testid=visit-form] select[name=purpose]", "routine");
  await w.fill("[data-testid=visit-form] textarea[name=notes]", "腿脚不便，独自在家");
  await w.check("[data-testid=visit-form] input[name=need_elderly]");
  await w.fill("[data-testid=visit-form] input[name=follow_up]", yesterday);
  await w.click("[data-testid=visit-form] button[type=submit]");
  await w.waitForSelector("[data-testid=visit]");
  // A son of working age, out of work since yesterday, trained yesterday: recorded offline
  // with the day it happened (the indicators count from it).
  await w.click("[data-testid=add-member] summary");
  await w.fill("[data-testid=add-member] form input[name=name]", "王小明");
  await w.fill("[data-testid=add-member] form input[name=birth_year]", "1990");
  await w.click("[data-testid=add-member] form button[type=submit]");
  const son = "[data-testid=member][data-name=王小明]";
  await w.waitForSelector(son);
  await w.click(`${son} [data-testid=employment-open]`);
  await w.selectOption(`${son} [data-testid=employment-form] select[name=status]`, "unemployed");
  await w.fill(`${son} [data-testid=employment-form] input[name=since]`, yesterday);
  await w.selectOption(`${son} [data-testid=employment-form] select[name=able]`, "yes");
  await w.selectOption(`${son} [data-testid=employment-form] select[name=willing]`, "yes");
  await w.click(`${son} [data-testid=employment-form] button[type=submit]`);
  await w.waitForFunction(sel => document.querySelector(sel)?.textContent.includes("自"), `${son} [data-testid=employment-now]`);
  out.employmentShown = (await w.textContent(`${son} [data-testid=employment-now]`)).trim();
  await w.fill(`${son} [data-testid=training-form] input[name=on]`, yesterday);
  await w.fill(`${son} [data-testid=training-form] input[name=course]`, "电工");
  await w.click(`${son} [data-testid=training-form] button[type=submit]`);
  await w.waitForSelector(`${son} [data-testid=training]`);
  await shot(w, "worker-employment-offline");
  await shot(w, "worker-household-detail-offline");
  out.pendingOffline = await pending(w);

  const sup = await token(opt.supervisor);
  const onServer = async () =>
    (await apiGet(sup, "/api/households?limit=500")).some(h => h.address === address);
  out.onServerWhileOffline = await onServer();

  await w.reload();
  const listed = `[data-testid=household][data-address="${address}"]`;
  await w.waitForSelector(listed);
  out.listedAfterOfflineReload = true;
  out.overdueListed = (await w.textContent("[data-testid=due-group][data-group=overdue]")).includes(address);
  await shot(w, "worker-offline-after-reload");

  await w.context().setOffline(false);
  await connection(w, "online");
  await settled(w);

  const s = await open(await desk(browser), opt.supervisor);
  await s.click("[data-testid=tab-households]");
  await s.waitForSelector(`[data-testid=sv-household][data-address="${address}"]`);
  out.inSupervisorList = true;
  out.onServerAfterReconnect = await onServer();
  await shot(s, "supervisor-households");
  // The son is counted among the unemployed, trained since his unemployment began (the period
  // is the month of yesterday, counted as of today or the month's end).
  const month = yesterday.slice(0, 7);
  const report = await apiGet(sup, `/api/indicators?period=${month}`);
  const training = report.indicators.policy.find(i => i.key === "skills_training");
  out.trainingCounted = training ? [training.numerator, training.denominator] : null;
  return out;
}

/** Two workers edit the same address offline; the supervisor settles it; both see the choice. */
async function conflict(browser) {
  const out = {};
  const address = `和平街${tag}号`;
  const a = await open(await phone(browser), opt.worker);
  await connection(a, "online");
  await a.click("[data-testid=new-household]");
  await a.fill("[data-testid=register-household] input[name=address]", address);
  await a.fill("[data-testid=register-household] input[name=name]", "赵阿姨");
  await a.click("[data-testid=register-household] button[type=submit]");
  await a.waitForSelector("[data-testid=household-detail]");
  await settled(a);

  const b = await open(await phone(browser), opt.worker2);
  await connection(b, "online");
  await b.click(`[data-testid=household][data-address="${address}"] button`);
  await b.waitForSelector("[data-testid=household-detail]");

  for (const [page, suffix] of [[a, "甲"], [b, "乙"]]) {
    await page.context().setOffline(true);
    await connection(page, "offline");
    await page.fill("[data-testid=address]", `${address}${suffix}`);
    await page.click("[data-testid=household-detail] form button[type=submit]");
  }
  for (const page of [a, b]) {
    await page.context().setOffline(false);
    await connection(page, "online");
    await settled(page);
  }

  const s = await open(await desk(browser), opt.supervisor);
  const item = `[data-testid=conflict][data-path$="address"]`;
  await s.waitForSelector(item);
  const candidates = await s.$$eval(`${item} [data-testid=candidate] .value`, els => els.map(e => e.textContent));
  out.candidates = candidates;
  out.current = await s.textContent(`${item} [data-testid=current-value]`);
  await shot(s, "supervisor-conflict");
  const chosen = candidates[0];
  await s.click(`${item} [data-testid=choose-0]`);
  await s.waitForSelector(item, { state: "detached" });
  out.chosen = chosen;

  for (const [name, page] of [["a", a], ["b", b]]) {
    await page.waitForFunction(
      value => document.querySelector("[data-testid=address]")?.value === value,
      chosen,
      { timeout: TIMEOUT },
    );
    out[`shown_${name}`] = await page.inputValue("[data-testid=address]");
  }
  await shot(a, "worker-after-resolution");
  return out;
}

/** The supervisor's desk on the demo county: households, duplicates, indicator drill-down, exports, English. */
async function desk_(browser) {
  const out = {};
  const s = await open(await desk(browser), opt.supervisor);
  await s.waitForSelector("[data-testid=hours-queue]");
  await s.waitForSelector("[data-testid=waiting-entry]");
  await shot(s, "review-queue");

  await s.click("[data-testid=tab-households]");
  await s.waitForSelector("[data-testid=sv-household]");
  out.households = (await s.$$("[data-testid=sv-household]")).length;
  // The first household not yet approved.
  const first = await s.$$eval("[data-testid=sv-household]", rows =>
    rows.find(r => !r.querySelector(".badge.approved"))?.dataset.address,
  );
  const row = `[data-testid=sv-household][data-address="${first}"]`;
  await s.click(`${row} [data-testid=approve-household]`);
  await s.waitForSelector(`${row} .badge.approved`);
  out.approvedHousehold = first;
  await shot(s, "households");

  await s.click("[data-testid=tab-duplicates]");
  // Wait for the duplicates themselves, not only the empty section drawn before they arrive.
  await s.waitForSelector("[data-testid=duplicates][aria-busy=false]");
  await shot(s, "duplicates");
  // Merge the first pair: the plan shows who is one person, then the pair is gone.
  out.duplicatesBefore = (await s.$$("[data-testid=duplicate]")).length;
  if (out.duplicatesBefore > 0) {
    await s.click("[data-testid=duplicate] [data-testid=keep-this]");
    await s.waitForSelector("[data-testid=merge-plan]");
    out.planText = (await s.textContent("[data-testid=merge-plan]")).replace(/\s+/g, " ");
    await shot(s, "merge-plan");
    await s.click("[data-testid=merge-confirm]");
    await s.waitForFunction(n => document.querySelectorAll("[data-testid=duplicate]").length === n - 1, out.duplicatesBefore);
    out.duplicatesAfter = (await s.$$("[data-testid=duplicate]")).length;
  }

  await s.click("[data-testid=tab-indicators]");
  await s.waitForSelector("[data-testid=measure]");
  out.measures = (await s.$$("[data-testid=measure]")).length;
  out.topOrg = await s.getAttribute("[data-testid=indicators]", "data-org");
  await shot(s, "indicators");
  await s.click("[data-testid=measure] g.drill");
  await s.waitForFunction(top => document.querySelector("[data-testid=indicators]")?.dataset.org !== top, out.topOrg);
  out.drilledOrg = await s.getAttribute("[data-testid=indicators]", "data-org");
  await shot(s, "indicators-drilled");
  await s.click("[data-testid=drill-up]");
  await s.waitForFunction(top => document.querySelector("[data-testid=indicators]")?.dataset.org === top, out.topOrg);
  out.backUp = true;

  // This year as the period: the screen's values, then the report to the county for the same
  // unit and period (the test compares the two).
  const year = String(new Date().getFullYear());
  await s.selectOption("[data-testid=period-kind]", "year");
  await s.fill("[data-testid=period-year]", year);
  await s.dispatchEvent("[data-testid=period-year]", "change");
  await s.click("[data-testid=period-show]");
  await s.waitForFunction(y => document.querySelector("[data-testid=indicators]")?.dataset.period === y, year);
  out.period = year;
  out.unitName = (await s.textContent("[data-testid=unit-name]")).trim();
  out.periodLine = (await s.textContent("[data-testid=period-line]")).trim();
  out.screenValues = Object.fromEntries(
    await s.$$eval("[data-testid=measure]", cards => cards.map(c => [c.dataset.key, c.querySelector("[data-testid=value]").textContent.trim()])),
  );
  await shot(s, "indicators-year");
  const [report] = await Promise.all([s.waitForEvent("download"), s.click("[data-testid=report-xlsx]")]);
  out.reportName = report.suggestedFilename();
  out.reportXlsx = (await import("node:fs")).readFileSync(await report.path()).toString("base64");
  await s.emulateMedia({ media: "print" });
  await shot(s, "indicators-print");
  await s.emulateMedia({ media: "screen" });

  // The community's own record: the facilities checklist, as a supervisor keeps it.
  await s.click("[data-testid=tab-community]");
  await s.waitForSelector("[data-testid=community]");
  if (await s.$("[data-testid=community-create]")) await s.click("[data-testid=community-create]");
  await s.waitForSelector("[data-testid=facility-charity_supermarket]");
  out.communityOrg = await s.getAttribute("[data-testid=community]", "data-org");
  await s.fill("[data-testid=stated-residents]", "4321");
  await s.dispatchEvent("[data-testid=stated-residents]", "change");
  await s.waitForFunction(() => document.querySelector("[data-testid=stated-residents]")?.value === "4321");
  await shot(s, "community-record");
  // The record reaches the server, and the community's volunteer ratio divides by it.
  const supToken = await token(opt.supervisor);
  for (let i = 0; i < 50 && out.statedOnServer !== 4321; i++) {
    const r = await apiGet(supToken, `/api/indicators?org=${encodeURIComponent(out.communityOrg)}`);
    const v = r.indicators.policy.find(p => p.key === "volunteers");
    out.statedOnServer = v?.denominator;
    out.residentsSource = v?.detail?.residents_source;
    if (out.statedOnServer !== 4321) await new Promise(res => setTimeout(res, 200));
  }

  await s.click("[data-testid=tab-exports]");
  await s.waitForSelector("[data-testid=exports]");
  await shot(s, "exports");
  for (const fmt of ["csv", "xlsx"]) {
    const [download] = await Promise.all([
      s.waitForEvent("download"),
      s.click(`[data-testid=export-households-${fmt}]`),
    ]);
    const path = await download.path();
    const bytes = (await import("node:fs")).readFileSync(path);
    out[`${fmt}Name`] = download.suggestedFilename();
    out[`${fmt}Head`] = fmt === "csv" ? bytes.toString("utf8", 0, 60) : bytes.toString("latin1", 0, 2);
    out[`${fmt}Bytes`] = bytes.length;
  }

  await s.click("text=English");
  await s.waitForSelector("[data-testid=tab-indicators]:has-text('Indicators')");
  out.english = true;
  await shot(s, "exports-english");
  return out;
}

/**
 * Access tokens that live a few seconds (the server runs with a short --access-ttl-secs):
 * the volunteer stays offline past expiry, logs hours, comes back online, and the app renews
 * its token with the refresh token so the entry still reaches the server.
 */
async function renewal(browser) {
  const out = {};
  const activity = `续期后同步-${tag}`;
  const v = await open(await phone(browser), opt.volunteer);
  await v.waitForSelector("[data-testid=create-volunteer]");
  await v.fill("[data-testid=create-volunteer] input[name=name]", "周志愿");
  await v.click("[data-testid=create-volunteer] button[type=submit]");
  await v.waitForSelector("[data-testid=log-hours-form]");
  await settled(v);
  const session = () => v.evaluate(() => JSON.parse(localStorage.getItem("linli.session")));
  const first = await session();

  await v.context().setOffline(true);
  await connection(v, "offline");
  await new Promise(r => setTimeout(r, (first.expires_at * 1000 - Date.now()) + 1500));
  out.expiredWhileOffline = first.expires_at * 1000 < Date.now();
  await v.fill("[data-testid=log-hours-form] input[name=hours]", "1");
  await v.fill("[data-testid=log-hours-form] input[name=activity]", activity);
  await v.click("[data-testid=log-hours-form] button[type=submit]");
  await v.waitForSelector(`[data-testid=entry][data-activity="${activity}"]`);

  await v.context().setOffline(false);
  await connection(v, "online");
  await settled(v);
  out.onServer = await until("the entry on the server", async () => {
    const sup = await token(opt.supervisor);
    return (await apiGet(sup, "/api/volunteer-entries?status=submitted&limit=500")).some(e => e.activity === activity);
  });
  const renewed = await session();
  out.tokenRenewed = renewed.access_token !== first.access_token && renewed.refresh_token !== first.refresh_token;
  out.sameDevice = renewed.device === first.device;
  return out;
}

/**
 * A lost phone: an administrator revokes the worker's device; the app, still open and
 * online, learns it, erases its documents and session, and says so on the sign-in screen.
 */
async function revoked(browser) {
  const out = {};
  const address = `遗失路${tag}号`;
  const w = await open(await phone(browser), opt.worker);
  await connection(w, "online");
  await w.click("[data-testid=new-household]");
  await w.fill("[data-testid=register-household] input[name=address]", address);
  await w.fill("[data-testid=register-household] input[name=name]", "钱大爷");
  await w.click("[data-testid=register-household] button[type=submit]");
  await w.waitForSelector("[data-testid=household-detail]");
  await settled(w);
  const before = await w.evaluate(async () => (await indexedDB.databases()).map(d => d.name));
  out.hadDatabase = before.some(n => n?.startsWith("linli-"));
  const device = await w.evaluate(() => JSON.parse(localStorage.getItem("linli.session")).device);

  const admin = await token(opt.admin);
  const r = await fetch(`${base}/api/devices/revoke`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
    body: JSON.stringify({ device }),
  });
  out.revokeStatus = r.status;

  await w.waitForSelector("[data-testid=wiped]", { timeout: 45_000 });
  await shot(w, "worker-device-wiped");
  out.databasesAfter = await w.evaluate(async () => (await indexedDB.databases()).map(d => d.name));
  out.storageAfter = await w.evaluate(() => Object.keys(localStorage));
  out.addressOnPage = (await w.content()).includes(address);
  return out;
}

/**
 * A volunteer corrects an entry offline while the supervisor approves it: the server refuses
 * the correction and undoes it; the supervisor finds it under refused changes (who, device,
 * what, why), accepts it, and the volunteer's phone shows the corrected hours.
 */
async function refused(browser) {
  const out = {};
  const activity = `助餐送餐-${tag}`;
  const v = await open(await phone(browser), opt.volunteer);
  await v.waitForSelector("[data-testid=create-volunteer]");
  await v.fill("[data-testid=create-volunteer] input[name=name]", "周志愿");
  await v.click("[data-testid=create-volunteer] button[type=submit]");
  await v.waitForSelector("[data-testid=log-hours-form]");
  await connection(v, "online");
  await v.fill("[data-testid=log-hours-form] input[name=hours]", "1");
  await v.fill("[data-testid=log-hours-form] input[name=activity]", activity);
  await v.click("[data-testid=log-hours-form] button[type=submit]");
  const entry = `[data-testid=entry][data-activity="${activity}"]`;
  await v.waitForSelector(entry);
  await settled(v);

  // Offline, the volunteer corrects the hours; meanwhile the supervisor approves the entry.
  await v.context().setOffline(true);
  await connection(v, "offline");
  await v.click(`${entry} button`);
  await v.fill("[data-testid=edit-entry-form] input[name=hours]", "1.5");
  await v.click("[data-testid=edit-entry-form] button[type=submit]");
  await v.waitForSelector(entry);
  const sup = await token(opt.supervisor);
  const row = await until("the entry on the server", async () =>
    (await apiGet(sup, "/api/volunteer-entries?status=submitted&limit=500")).find(e => e.activity === activity),
  );
  await apiPost(sup, "/api/review/entries", { items: [{ document_id: row.document_id, entry_id: row.entry_id }], status: "approved" });
  await v.context().setOffline(false);
  await connection(v, "online");
  await v.waitForSelector(`${entry}[data-status=approved]`);
  await v.waitForFunction(sel => /(^|\s)1 (小时|Hours)/.test(document.querySelector(sel)?.textContent ?? ""), entry, { timeout: TIMEOUT });
  out.undoneOnPhone = (await v.textContent(entry)).replace(/\s+/g, " ");
  await shot(v, "volunteer-correction-refused");

  const s = await open(await desk(browser), opt.supervisor);
  const item = "[data-testid=quarantined]";
  await s.waitForSelector(item);
  out.quarantineText = (await s.textContent(item)).replace(/\s+/g, " ");
  await s.$eval(item, el => el.scrollIntoView());
  await shot(s, "supervisor-refused-changes");
  await s.click(`${item} [data-testid=quarantine-accept]`);
  await s.waitForSelector(item, { state: "detached" });
  await v.waitForFunction(sel => document.querySelector(sel)?.textContent.includes("1.5"), entry, { timeout: TIMEOUT });
  out.acceptedOnPhone = (await v.textContent(entry)).replace(/\s+/g, " ");
  await shot(v, "volunteer-correction-accepted");
  return out;
}

/** Signing out with changes not yet on the server: refused offline with why, done once synced. */
async function signout(browser) {
  const out = {};
  const address = `退出路${tag}号`;
  const w = await open(await phone(browser), opt.worker);
  await connection(w, "online");
  await appCached(w);
  await w.context().setOffline(true);
  await connection(w, "offline");
  await w.click("[data-testid=new-household]");
  await w.fill("[data-testid=register-household] input[name=address]", address);
  await w.fill("[data-testid=register-household] input[name=name]", "钱阿姨");
  await w.click("[data-testid=register-household] button[type=submit]");
  await w.waitForSelector("[data-testid=household-detail]");
  out.pendingOffline = await pending(w);

  await w.click("[data-testid=logout]");
  await w.waitForSelector("[data-testid=sign-out-offline]");
  out.offlineText = (await w.textContent("[data-testid=sign-out-pending]")).replace(/\s+/g, " ").trim();
  out.stillSignedIn = !!(await w.$("[data-testid=sync-status]"));
  await shot(w, "sign-out-refused-offline");
  await w.click("[data-testid=sign-out-cancel]");
  await w.waitForSelector("[data-testid=sign-out-pending]", { state: "detached" });

  // Back online: sign out once synced.
  await w.click("[data-testid=logout]");
  await w.context().setOffline(false);
  await w.waitForSelector("[data-testid=sign-out-after-sync]");
  await w.click("[data-testid=sign-out-after-sync]");
  await w.waitForSelector("input[name=password]");
  out.signedOut = true;
  const sup = await token(opt.supervisor);
  out.onServer = (await apiGet(sup, "/api/households?limit=500")).some(h => h.address === address);
  await shot(w, "signed-out-after-sync");
  return out;
}

/** A volunteer deletes an entry logged by mistake, offline, while it is still submitted. */
async function deleteEntry(browser) {
  const out = {};
  const kept = `助餐-${tag}`;
  const mistake = `记错了-${tag}`;
  const v = await open(await phone(browser), opt.volunteer);
  await v.waitForSelector("[data-testid=create-volunteer]");
  await v.fill("[data-testid=create-volunteer] input[name=name]", "李志愿");
  await v.click("[data-testid=create-volunteer] button[type=submit]");
  await v.waitForSelector("[data-testid=log-hours-form]");
  for (const activity of [kept, mistake]) {
    await v.fill("[data-testid=log-hours-form] input[name=hours]", "1");
    await v.fill("[data-testid=log-hours-form] input[name=activity]", activity);
    await v.click("[data-testid=log-hours-form] button[type=submit]");
    await v.waitForSelector(`[data-testid=entry][data-activity="${activity}"]`);
  }
  await connection(v, "online");
  await settled(v);
  const sup = await token(opt.supervisor);
  const listed = async () =>
    (await apiGet(sup, "/api/volunteer-entries?status=submitted&limit=500")).map(e => e.activity).filter(a => a.endsWith(tag)).sort();
  out.before = await until("both entries on the server", async () => ((await listed()).length === 2 ? listed() : null));

  await appCached(v);
  await v.context().setOffline(true);
  await connection(v, "offline");
  const row = `[data-testid=entry][data-activity="${mistake}"]`;
  await v.click(`${row} [data-testid=entry-delete]`);
  await shot(v, "volunteer-delete-asks");
  await v.click(`${row} [data-testid=entry-delete-confirm]`);
  await v.waitForSelector(row, { state: "detached" });
  await v.context().setOffline(false);
  await connection(v, "online");
  await settled(v);
  out.after = await until("the deletion on the server", async () => ((await listed()).length === 1 ? listed() : null));
  out.kept = kept;
  return out;
}

await runScenarios({ volunteer, household, conflict, desk: desk_, renewal, revoked, refused, signout, deleteEntry });
