// People and units (issue #19) in a real chromium against a real server with the demo county:
// a supervisor finds a worker of their street, moves them to another grid, resets their
// password, disables and enables them, signs out one of their phones and adds a worker, and is
// offered nothing of an administrator's; an administrator adds, renames, closes and reopens a
// unit, reads the supervisor's actions in the audit log and imports people from a CSV (checked,
// created, imported again). Every screen is checked by axe-core, for touch targets, one h1 and
// no sideways scrolling, at the desk and on a phone, in Chinese and in English. Prints what it
// saw as JSON for tests/e2e/web_people.rs; it asserts nothing itself.
//
//   node people.mjs <peopleSupervisor|peopleAdmin> --base URL --password PW --shots DIR
//        --supervisor NAME --worker NAME --admin NAME [--community PATH]
//
// Run `peopleSupervisor` before `peopleAdmin` on the same server: the administrator looks for
// the supervisor's actions in the audit log. (Named so that their screenshots do not mix with
// screens.mjs's `supervisor` in the shared screenshot directory.)

import { writeFileSync } from "node:fs";
import { apiGet, base, log, open, opt, runScenarios, shot, switchLanguage, textOnceChanged, token, until } from "./browser.mjs";
import { audit } from "./a11y.mjs";

const DESK = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };
/** The worker's password after the supervisor resets it. */
const NEW_PASSWORD = "reset-by-supervisor-1";
/** The phone of the worker's that the supervisor signs out. */
const LOST_PHONE = "人员测试手机";
/** The worker the supervisor adds. */
const ADDED = { name: "people-new-worker", display: "新来的网格员", password: "new-worker-pass-1" };
/** The unit the administrator adds (empty, so it can be closed), and its names. */
const NEW_UNIT = { code: "g98", name: "临时网格", renamed: "临时网格（已改名）" };

const text = async (page, selector) => ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ").trim();

/** `POST /api/login` from outside the browser: the status, and the answer. */
async function login(name, password, deviceName = "people check") {
  const r = await fetch(`${base}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, password, device_name: deviceName }),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

/** The status of a GET with a token (for what must be refused). */
async function getStatus(tok, path) {
  const r = await fetch(base + path, { headers: { authorization: `Bearer ${tok}` } });
  return r.status;
}

/** Org paths (`c01/s01`), device ids and raw user names that should read as words. */
function codesIn(s) {
  const found = [];
  for (const re of [/\bc\d\d(\/[a-z]\d\d)+\b/g, /\bdev-[0-9a-f]{6,}/g, /\b(worker|sup|vol)-c\d\d[-\w]*/g]) {
    for (const m of s.matchAll(re)) found.push(m[0]);
  }
  return [...new Set(found)];
}

/** Waits until nothing on the page says it is busy. */
const notBusy = page => page.waitForFunction(() => !document.querySelector("[aria-busy=true]"));

/** Opens the people tab and waits for its list. */
async function peopleTab(page) {
  await page.click("[data-testid=tab-people]");
  await page.waitForSelector("[data-testid=people-list][data-loaded=true]");
  await notBusy(page);
}

/** Opens a section of the people tab and waits for what it shows. */
async function section(page, name) {
  await page.click(`[data-testid=people-section-${name}]`);
  if (name === "users") await page.waitForSelector("[data-testid=people-list][data-loaded=true]");
  if (name === "units") await page.waitForSelector("[data-testid=unit]");
  if (name === "audit") await page.waitForSelector("[data-testid=audit][data-loaded=true][aria-busy=false]");
  if (name === "import") await page.waitForSelector("[data-testid=import-form]");
  await notBusy(page);
}

/** A browser at the desk, signed in as `name`, on the people tab. */
async function deskAs(browser, name) {
  const context = await browser.newContext({ viewport: DESK, locale: "zh-CN" });
  const page = await open(context, name);
  await peopleTab(page);
  return { context, page };
}

/** Runs the checks on the sections `names`, in both languages, at the desk and on a phone;
 * `prepare(name)` puts the section into the state to check (a panel open, a report shown). */
async function auditSections(page, who, names, out, prepare = async () => {}) {
  for (const lang of ["zh", "en"]) {
    await switchLanguage(page, lang);
    for (const size of ["desk", "phone"]) {
      await page.setViewportSize(size === "desk" ? DESK : PHONE);
      for (const name of names) {
        await section(page, name);
        await prepare(name);
        const label = `${who} ${name} ${size} ${lang}`;
        out.problems.push(...(await audit(page, label)));
        out.screens.push(label);
        await shot(page, `${name}-${size}-${lang}`);
      }
    }
  }
  await switchLanguage(page, "zh");
  await page.setViewportSize(DESK);
}

/** The supervisor: their street's people, one worker managed from end to end. */
async function peopleSupervisor(browser) {
  const out = { problems: [], screens: [] };
  const supToken = await token(opt.supervisor);
  const directory = await apiGet(supToken, "/api/directory");
  const workerName = directory.users[opt.worker];
  out.workerName = workerName;
  // One of the worker's phones, signed in: the device the supervisor will sign out.
  const phone = await login(opt.worker, opt.password, LOST_PHONE);
  out.phoneLogin = phone.status;
  out.phoneDevice = phone.body?.device ?? null;

  const { context, page } = await deskAs(browser, opt.supervisor);
  // Nothing of an administrator's is offered, and the server agrees.
  out.sections = await page.$$eval("[data-testid^=people-section-]", els => els.map(e => e.dataset.testid.replace("people-section-", "")));
  out.offered = {
    units: !!(await page.$("[data-testid=people-section-units]")),
    audit: !!(await page.$("[data-testid=people-section-audit]")),
    unitList: !!(await page.$("[data-testid=units]")),
    auditList: !!(await page.$("[data-testid=audit]")),
  };
  out.refusedByServer = { audit: await getStatus(supToken, "/api/audit"), unitsPatch: null };
  {
    const r = await fetch(`${base}/api/orgs`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${supToken}`, "content-type": "application/json" },
      body: JSON.stringify({ path: opt.community ?? "c01/s01/m01", name: "x" }),
    });
    out.refusedByServer.unitsPatch = r.status;
  }
  out.listTotal = Number(await page.getAttribute("[data-testid=people-list]", "data-total"));
  out.listShown = await text(page, "[data-testid=people-shown]");
  out.listCodes = codesIn(await text(page, "[data-testid=people-list]"));
  out.listSynced = await page.$$eval("[data-testid=person-synced]", els => [...new Set(els.map(e => e.textContent.trim()))].slice(0, 5));
  await shot(page, "list");

  // The worker, found by their name.
  await page.fill("[data-testid=people-search]", workerName);
  const row = `[data-testid=person][data-name="${opt.worker}"]`;
  await page.waitForFunction(
    n => document.querySelectorAll("[data-testid=person]").length >= 1 && [...document.querySelectorAll("[data-testid=person]")].every(r => r.textContent.includes(n)),
    workerName,
  );
  out.found = {
    rows: (await page.$$("[data-testid=person]")).length,
    name: await text(page, `${row} [data-testid=person-name]`),
    role: await text(page, `${row} [data-testid=person-role]`),
    unit: await text(page, `${row} [data-testid=person-unit]`),
    state: await text(page, `${row} [data-testid=person-state]`),
    devices: await text(page, `${row} [data-testid=person-devices]`),
  };
  await page.click(`${row} [data-testid=person-manage]`);
  await page.waitForSelector(`${row} [data-testid=person-panel]`);
  out.roleOptions = await page.$$eval(`${row} [data-testid=person-role-select] option`, els => els.map(o => o.value));
  out.roleOptionWords = await page.$$eval(`${row} [data-testid=person-role-select] option`, els => els.map(o => o.textContent.trim()));

  // Moved to another grid of the street.
  const from = await page.$eval(`${row} [data-testid=person-org-select]`, s => s.value);
  const options = await page.$$eval(`${row} [data-testid=person-org-select] option`, els => els.map(o => ({ value: o.value, label: o.textContent.trim() })));
  const target = options.find(o => o.value !== from && o.value.split("/").length === 4 && o.value.startsWith(from.split("/").slice(0, 2).join("/") + "/"));
  if (!target) throw new Error(`no other grid offered: ${JSON.stringify(options)}`);
  out.move = { from, to: target.value, toLabel: target.label, unitsOffered: options.length };
  await page.selectOption(`${row} [data-testid=person-org-select]`, target.value);
  await page.click(`${row} [data-testid=person-save]`);
  await page.waitForSelector(`${row}[data-org="${target.value}"]`);
  out.move.done = await textOnceChanged(page, `${row} [data-testid=person-change-done]`, "");
  out.move.unitShown = await text(page, `${row} [data-testid=person-unit]`);
  out.move.onServer = (await apiGet(supToken, "/api/users")).find(u => u.name === opt.worker)?.org ?? null;
  await shot(page, "moved");

  // A new password: too short first (said next to the form, in both languages), then set.
  const pwError = `${row} [data-testid=person-password-error]`;
  await page.fill(`${row} [data-testid=person-new-password]`, "short");
  await page.click(`${row} [data-testid=person-set-password]`);
  out.password = { shortZh: await textOnceChanged(page, pwError, "") };
  await switchLanguage(page, "en");
  out.password.shortEn = await textOnceChanged(page, pwError, out.password.shortZh);
  await switchLanguage(page, "zh");
  await page.fill(`${row} [data-testid=person-new-password]`, NEW_PASSWORD);
  await page.click(`${row} [data-testid=person-set-password]`);
  out.password.done = await textOnceChanged(page, `${row} [data-testid=person-password-done]`, "");
  out.password.errorAfter = await text(page, pwError);
  out.password.fieldAfter = await page.inputValue(`${row} [data-testid=person-new-password]`);
  out.password.loginOld = (await login(opt.worker, opt.password)).status;
  out.password.loginNew = (await login(opt.worker, NEW_PASSWORD)).status;
  await shot(page, "password-set");

  // Disabled (asked first): no login; enabled again: login.
  await page.click(`${row} [data-testid=person-disable]`);
  await page.waitForSelector(`${row} [data-testid=confirm]`);
  out.disable = { asked: await text(page, `${row} [data-testid=confirm] p`) };
  await shot(page, "disable-confirm");
  await page.click(`${row} [data-testid=confirm-yes]`);
  await page.waitForSelector(`${row}[data-state=disabled]`);
  out.disable.badge = await text(page, `${row} [data-testid=person-state]`);
  out.disable.done = await textOnceChanged(page, `${row} [data-testid=person-account-done]`, "");
  const refused = await login(opt.worker, NEW_PASSWORD);
  out.disable.loginStatus = refused.status;
  out.disable.loginSaid = refused.body?.error ?? null;
  out.disable.onServer = (await apiGet(supToken, "/api/users")).find(u => u.name === opt.worker)?.disabled_at !== null;
  await shot(page, "disabled");
  await page.click(`${row} [data-testid=person-enable]`);
  await page.waitForSelector(`${row} [data-testid=confirm]`);
  out.enable = { asked: await text(page, `${row} [data-testid=confirm] p`) };
  await page.click(`${row} [data-testid=confirm-yes]`);
  await page.waitForSelector(`${row}[data-state=active]`);
  out.enable.badge = await text(page, `${row} [data-testid=person-state]`);
  out.enable.loginStatus = (await login(opt.worker, NEW_PASSWORD)).status;

  // The worker's devices; the lost phone signed out (asked first).
  const device = `${row} [data-testid=device][data-id="${out.phoneDevice}"]`;
  await page.waitForSelector(device);
  out.devices = {
    listed: await page.$$eval(`${row} [data-testid=device]`, els => els.map(e => e.dataset.name)),
    revokeButtons: (await page.$$(`${row} [data-testid=device-revoke]`)).length,
  };
  await page.click(`${device} [data-testid=device-revoke]`);
  await page.waitForSelector(`${device} [data-testid=confirm]`);
  out.devices.asked = await text(page, `${device} [data-testid=confirm] p`);
  await shot(page, "revoke-confirm");
  await page.click(`${device} [data-testid=confirm-yes]`);
  await page.waitForSelector(`${device}[data-revoked=true]`);
  out.devices.badge = await text(page, `${device} [data-testid=device-revoked]`);
  out.devices.done = await textOnceChanged(page, `${row} [data-testid=person-devices-done]`, "");
  out.devices.revokedOnServer = (await apiGet(supToken, `/api/devices?user=${encodeURIComponent(opt.worker)}`)).find(d => d.id === out.phoneDevice)?.revoked_at !== null;
  out.devices.phoneRefused = await getStatus(phone.body.access_token, "/api/me");
  await shot(page, "revoked");

  // A worker added to the grid; the same name again is refused by the server, said next to
  // the form in both languages with the server's own words.
  await page.click(`${row} [data-testid=person-manage]`);
  await page.fill("[data-testid=people-search]", "");
  await page.click("[data-testid=people-add-open]");
  await page.waitForSelector("[data-testid=add-person-form]", { state: "visible" });
  out.add = { roleOptions: await page.$$eval("[data-testid=add-role] option", els => els.map(o => o.value).filter(Boolean)) };
  const fillAdd = async () => {
    await page.fill("[data-testid=add-name]", ADDED.name);
    await page.fill("[data-testid=add-display-name]", ADDED.display);
    await page.selectOption("[data-testid=add-role]", "worker");
    await page.selectOption("[data-testid=add-org]", target.value);
    await page.fill("[data-testid=add-password]", ADDED.password);
  };
  await fillAdd();
  await page.click("[data-testid=add-submit]");
  out.add.done = await textOnceChanged(page, "[data-testid=add-person-done]", "");
  await page.fill("[data-testid=people-search]", ADDED.display);
  await page.waitForSelector(`[data-testid=person][data-name="${ADDED.name}"]`);
  out.add.listed = {
    unit: await text(page, `[data-testid=person][data-name="${ADDED.name}"] [data-testid=person-unit]`),
    role: await text(page, `[data-testid=person][data-name="${ADDED.name}"] [data-testid=person-role]`),
  };
  out.add.fieldsCleared = (await page.inputValue("[data-testid=add-name]")) === "";
  out.add.login = (await login(ADDED.name, ADDED.password)).status;
  await fillAdd();
  await page.click("[data-testid=add-submit]");
  const refusedWord = "[data-testid=add-person-error-word]";
  out.add.againZh = await textOnceChanged(page, refusedWord, "");
  out.add.againSaidZh = await text(page, "[data-testid=add-person-said]");
  await switchLanguage(page, "en");
  out.add.againEn = await textOnceChanged(page, refusedWord, out.add.againZh);
  out.add.againSaidEn = await text(page, "[data-testid=add-person-said]");
  await shot(page, "add-refused-en");
  await switchLanguage(page, "zh");
  await page.fill("[data-testid=add-name]", "");
  await page.fill("[data-testid=people-search]", "");

  // Every screen of the tab.
  await auditSections(page, "supervisor", ["users", "import"], out, async name => {
    if (name !== "users") return;
    await page.fill("[data-testid=people-search]", workerName);
    if (!(await page.$(`${row} [data-testid=person-panel]`))) await page.click(`${row} [data-testid=person-manage]`);
    await page.waitForSelector(`${row} [data-testid=device]`);
  });
  await context.close();
  return out;
}

/** The CSV the administrator imports: two good rows, an unknown role, a name that exists. */
function importFile() {
  const community = opt.community ?? "c01/s01/m01";
  const rows = [
    "登录名,姓名,角色,单位,初始密码",
    `people-import-1,导入的网格员,网格员,${community}/g03,import-pass-001`,
    `people-import-2,导入的志愿者,志愿者,${community},`,
    `people-import-3,角色写错的人,飞行员,${community}/g03,`,
    `${opt.worker},重名的人,网格员,${community}/g01,`,
  ];
  const path = `${opt.shots}/people-import.csv`;
  writeFileSync(path, `${rows.join("\r\n")}\r\n`);
  return { path, good: ["people-import-1", "people-import-2"], bad: ["people-import-3", opt.worker] };
}

/** The administrator: units, the audit log, bulk import. */
async function peopleAdmin(browser) {
  const out = { problems: [], screens: [] };
  const admToken = await token(opt.admin);
  const community = opt.community ?? "c01/s01/m01";
  const { context, page } = await deskAs(browser, opt.admin);
  out.sections = await page.$$eval("[data-testid^=people-section-]", els => els.map(e => e.dataset.testid.replace("people-section-", "")));
  out.roleOptions = await page.$$eval("[data-testid=add-role] option", els => els.map(o => o.value).filter(Boolean));

  // Units: one added under the community, renamed, closed (asked first) and reopened; closing
  // the community, where people work, is refused next to it.
  await section(page, "units");
  out.units = { listed: (await page.$$("[data-testid=unit]")).length };
  const path = `${community}/${NEW_UNIT.code}`;
  const unit = `[data-testid=unit][data-path="${path}"]`;
  await page.selectOption("[data-testid=unit-add-parent]", community);
  await page.fill("[data-testid=unit-add-code]", NEW_UNIT.code);
  await page.fill("[data-testid=unit-add-name]", NEW_UNIT.name);
  await page.click("[data-testid=unit-add-submit]");
  await page.waitForSelector(unit);
  out.units.added = await textOnceChanged(page, "[data-testid=unit-add-done]", "");
  await page.click(`${unit} [data-testid=unit-rename]`);
  await page.fill(`${unit} [data-testid=unit-new-name]`, NEW_UNIT.renamed);
  await page.click(`${unit} [data-testid=unit-rename-save]`);
  await page.waitForFunction(([sel, name]) => document.querySelector(`${sel} [data-testid=unit-name]`)?.textContent.trim() === name, [unit, NEW_UNIT.renamed]);
  out.units.renamed = await text(page, `${unit} [data-testid=unit-name]`);
  out.units.renamedDone = await textOnceChanged(page, `${unit} [data-testid=unit-done]`, "");
  const busyUnit = `[data-testid=unit][data-path="${community}"]`;
  await page.click(`${busyUnit} [data-testid=unit-close]`);
  await page.click(`${busyUnit} [data-testid=confirm-yes]`);
  out.units.closeBusyZh = await textOnceChanged(page, `${busyUnit} [data-testid=unit-error-word]`, "");
  out.units.closeBusySaid = await text(page, `${busyUnit} [data-testid=unit-said]`);
  out.units.closeBusyStillOpen = (await page.getAttribute(busyUnit, "data-closed")) === "false";
  await switchLanguage(page, "en");
  out.units.closeBusyEn = await textOnceChanged(page, `${busyUnit} [data-testid=unit-error-word]`, out.units.closeBusyZh);
  await shot(page, "close-refused-en");
  await switchLanguage(page, "zh");
  await page.click(`${unit} [data-testid=unit-close]`);
  await page.waitForSelector(`${unit} [data-testid=confirm]`);
  out.units.closeAsked = await text(page, `${unit} [data-testid=confirm] p`);
  await shot(page, "close-confirm");
  await page.click(`${unit} [data-testid=confirm-yes]`);
  await page.waitForSelector(`${unit}[data-closed=true]`);
  out.units.closedBadge = await text(page, `${unit} [data-testid=unit-closed]`);
  out.units.closedOnServer = (await apiGet(admToken, "/api/orgs/admin")).find(u => u.path === path)?.closed_at !== null;
  // A closed unit is offered to nobody.
  await section(page, "users");
  out.units.offeredWhileClosed = await page.$$eval("[data-testid=add-org] option", (els, p) => els.some(o => o.value === p), path);
  await section(page, "units");
  await page.click(`${unit} [data-testid=unit-reopen]`);
  await page.waitForSelector(`${unit}[data-closed=false]`);
  const onServer = (await apiGet(admToken, "/api/orgs/admin")).find(u => u.path === path);
  out.units.reopenedOnServer = onServer?.closed_at === null;
  out.units.nameOnServer = onServer?.name ?? null;
  await shot(page, "units");

  // The audit log: the supervisor's actions, by name and in words, newest first.
  await section(page, "audit");
  const entries = () => page.$$eval("[data-testid=audit-entry]", els => els.map(e => ({
    id: Number(e.dataset.id),
    action: e.dataset.action,
    actor: e.dataset.actor,
    subject: e.dataset.subject,
    what: e.querySelector("[data-testid=audit-what]")?.textContent.trim() ?? "",
    who: e.querySelector("[data-testid=audit-who]")?.textContent.trim() ?? "",
    shownSubject: e.querySelector("[data-testid=audit-subject]")?.textContent.trim() ?? "",
    detail: e.querySelector("[data-testid=audit-detail]")?.textContent.trim() ?? "",
  })));
  const first = await entries();
  out.audit = {
    entries: first.length,
    newestFirst: first.every((e, i) => i === 0 || first[i - 1].id > e.id),
    mine: [...new Set(first.filter(e => e.actor === opt.admin).map(e => e.action))],
    bySupervisor: {},
  };
  for (const action of ["user_change", "user_password_reset", "user_disable", "user_enable", "device_revoke", "user_add"]) {
    await page.selectOption("[data-testid=audit-action]", action);
    await page.waitForFunction(a => {
      const list = document.querySelector("[data-testid=audit]");
      if (!list || list.getAttribute("aria-busy") !== "false") return false;
      const rows = [...document.querySelectorAll("[data-testid=audit-entry]")];
      return rows.length > 0 ? rows.every(r => r.dataset.action === a) : !!document.querySelector("[data-testid=audit-empty]");
    }, action);
    const rows = (await entries()).filter(e => e.actor === opt.supervisor);
    out.audit.bySupervisor[action] = rows.map(e => ({ what: e.what, who: e.who, subject: e.shownSubject, detail: e.detail, subjectCode: e.subject }));
  }
  out.audit.codesShown = codesIn(Object.values(out.audit.bySupervisor).flat().map(e => `${e.what} ${e.who} ${e.subject} ${e.detail}`).join(" "));
  await shot(page, "audit-filtered");
  await page.selectOption("[data-testid=audit-action]", "");
  await page.waitForFunction(() => document.querySelector("[data-testid=audit]")?.getAttribute("aria-busy") === "false");

  // Bulk import: checked (a dry run), created, imported again.
  await section(page, "import");
  const file = importFile();
  out.import = { file: file.path };
  await page.setInputFiles("[data-testid=import-file]", file.path);
  const check = async () => {
    const [response] = await Promise.all([
      page.waitForResponse(r => r.url().includes("/api/users/import")),
      page.click("[data-testid=import-check]"),
    ]);
    return response.status();
  };
  out.import.status = await check();
  // IMPORT_NOT_BUILT: a server without POST /api/users/import (404/405) cannot be checked;
  // the screen must say so, and the rest is skipped.
  out.import.available = out.import.status !== 404 && out.import.status !== 405;
  if (!out.import.available) {
    out.import.shown = await textOnceChanged(page, "[data-testid=import-error]", "");
    await shot(page, "import-unavailable");
  } else {
    const reportOf = async () => {
      await page.waitForSelector("[data-testid=import-report]");
      return page.$eval("[data-testid=import-report]", el => ({
        dryRun: el.dataset.dryRun === "true",
        rows: Number(el.dataset.rows),
        accepted: Number(el.dataset.accepted),
        refused: Number(el.dataset.refused),
        created: Number(el.dataset.created),
        acceptedNames: [...el.querySelectorAll("[data-testid=import-accepted-row]")].map(r => r.dataset.name),
        refusedRows: [...el.querySelectorAll("[data-testid=import-refused-row]")].map(r => ({
          row: Number(r.dataset.row),
          name: r.dataset.name,
          reason: r.querySelector("[data-testid=import-reason]")?.textContent.trim() ?? "",
        })),
        createButton: el.querySelector("[data-testid=import-create]")?.textContent.trim() ?? null,
        nothing: !!el.querySelector("[data-testid=import-nothing]"),
      }));
    };
    out.import.dryRun = await reportOf();
    out.import.summary = await text(page, "[data-testid=import-summary]");
    await shot(page, "import-dry-run");
    await switchLanguage(page, "en");
    out.import.reasonsEn = await page.$$eval("[data-testid=import-reason]", els => els.map(e => e.textContent.trim()));
    out.import.createButtonEn = await text(page, "[data-testid=import-create]");
    await shot(page, "import-dry-run-en");
    await switchLanguage(page, "zh");
    out.import.usersAfterDryRun = (await apiGet(admToken, "/api/users")).filter(u => file.good.includes(u.name)).length;
    await page.click("[data-testid=import-create]");
    await page.waitForSelector("[data-testid=import-report][data-dry-run=false]");
    out.import.run = await reportOf();
    out.import.createdText = await text(page, "[data-testid=import-created]");
    await shot(page, "import-created");
    await page.setInputFiles("[data-testid=import-file]", []);
    await page.setInputFiles("[data-testid=import-file]", file.path);
    out.import.againStatus = await check();
    out.import.again = await reportOf();
    await shot(page, "import-again");
    const users = await apiGet(admToken, "/api/users");
    out.import.usersAfter = Object.fromEntries(file.good.map(n => [n, users.filter(u => u.name === n).length]));
    out.import.listed = await until("the imported people listed", async () => {
      await section(page, "users");
      await page.fill("[data-testid=people-search]", "导入的");
      await page.waitForTimeout(300);
      const names = await page.$$eval("[data-testid=person]", els => els.map(e => e.dataset.name));
      return names.length >= 2 ? names : null;
    });
    await page.fill("[data-testid=people-search]", "");
  }

  // Every screen of the tab (the import report as it was left).
  await auditSections(page, "admin", ["users", "units", "audit", "import"], out);
  await context.close();
  return out;
}

await runScenarios({ peopleSupervisor, peopleAdmin });
