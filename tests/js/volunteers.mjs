// A resident signs up as a volunteer in a real chromium against a real server with the demo
// county (issue #20): on a phone, with no login, from the login screen; sent empty first (the
// browser says what is needed and sends nothing), then with a mistyped ID card number (the
// server's refusal is said next to the ID field, in Chinese and in English), then right (a
// page says the community will review it). The street's supervisor, at the desk, finds the
// sign-up in the people tab with the whole ID number and approves it, and sees the volunteer
// number. The resident logs in with their own login and password and finds that number on
// their home screen, also offline after a reload. The sign-up form, the refusal (in both
// languages), the confirmation, the supervisor's list and the volunteer's home are checked by
// axe-core, for touch targets, one h1 and no sideways scrolling. Prints what it saw as JSON for
// tests/e2e/web_volunteers.rs; it asserts nothing itself.
//
//   node volunteers.mjs volunteers --base URL --password PW --shots DIR --supervisor NAME
//        --community PATH --login NAME

import { appCached, base, connection, desk, log, open, opt, phone, runScenarios, shot, switchLanguage, textOnceChanged, TIMEOUT, until } from "./browser.mjs";
import { audit } from "./a11y.mjs";

/** The resident; the ID numbers are made below. */
const RESIDENT = { name: "李秀兰", phone: "138 0013 8000", password: "my-own-pass-1", otherSkill: "写春联" };
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = "10X98765432";

/** A resident ID card number (GB 11643) from its first 17 digits: with its check character. */
function idNumber(body) {
  const sum = [...body].reduce((s, d, i) => s + Number(d) * WEIGHTS[i], 0);
  return body + CHECK[sum % 11];
}

/** The same number with a wrong check character (one typo). */
function mistyped(number) {
  const last = number.at(-1);
  return number.slice(0, -1) + (last === "1" ? "2" : "1");
}

const text = async (page, selector) => ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ").trim();

/** Org paths (`c01/s01`) and raw user names that should read as words. */
function codesIn(s) {
  const found = [];
  for (const re of [/\bc\d\d(\/[a-z]\d\d)+\b/g, /\b[smg]\d\d\b/g, /\b(worker|sup|vol)-c\d\d[-\w]*/g]) {
    for (const m of s.matchAll(re)) found.push(m[0]);
  }
  return [...new Set(found)];
}

/** Checks the screen as it is, and keeps a screenshot of it. */
async function check(page, out, label, name) {
  out.problems.push(...(await audit(page, label)));
  out.screens.push(label);
  await shot(page, name);
}

/** The field errors shown on the sign-up form: field → its word. */
async function fieldErrors(page) {
  return page.$$eval("[data-testid$=-error-word]", els =>
    Object.fromEntries(els.map(e => [e.dataset.testid.replace(/^su-/, "").replace(/-error-word$/, ""), e.textContent.trim()])),
  );
}

async function volunteers(browser) {
  const out = { problems: [], screens: [] };
  // Birth date 1985-06-12, area 330106 (杭州西湖区), a sequence of the run's own.
  const seq = String(Date.now() % 1000).padStart(3, "0");
  const right = idNumber(`33010619850612${seq}`);
  const wrong = mistyped(right);
  out.idNumber = right;
  out.mistyped = wrong;
  out.login = opt.login;

  // The resident, on a phone, not signed in.
  const resident = await phone(browser);
  const page = await resident.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", e => log("resident page error:", e.message));
  await page.goto(base + "/");
  await page.waitForSelector("[data-testid=login-form]");
  out.link = await text(page, "[data-testid=signup-open]");
  await check(page, out, "login with the sign-up link zh", "login");

  await page.click("[data-testid=signup-open]");
  await page.waitForSelector("[data-testid=signup-form]");
  out.hash = await page.evaluate(() => location.hash);
  out.title = await text(page, "[data-testid=signup-title]");
  const option = `[data-testid=su-community] option[value="${opt.community}"]`;
  await page.waitForSelector(option, { state: "attached" });
  out.communityOffered = await text(page, option);
  out.communityOptions = await page.$$eval("[data-testid=su-community] option", els => els.map(o => o.textContent.trim()));
  out.idTypes = await page.$$eval("[data-testid=su-id-type] option", els => els.map(o => o.textContent.trim()));
  out.skillsOffered = await page.$$eval("[data-testid=su-skill]", els => els.map(e => e.closest("label").textContent.trim()));
  out.consentText = await text(page, "[data-testid=su-consent-text]");
  await check(page, out, "sign-up form zh", "form");

  let posts = 0;
  page.on("request", r => {
    if (r.method() === "POST" && r.url().endsWith("/api/volunteers/sign-up")) posts += 1;
  });

  // Sent empty: what is needed is said next to each field, and nothing is sent.
  await page.click("[data-testid=su-submit]");
  await page.waitForSelector("[data-testid=su-marked]");
  out.empty = {
    errors: await fieldErrors(page),
    posts,
    focused: await page.evaluate(() => document.activeElement?.getAttribute("data-field") ?? null),
  };
  await shot(page, "form-empty");

  // Filled in, with a typo in the ID card number.
  await page.selectOption("[data-testid=su-community]", opt.community);
  await page.fill("[data-testid=su-name]", RESIDENT.name);
  await page.fill("[data-testid=su-phone]", RESIDENT.phone);
  await page.selectOption("[data-testid=su-id-type]", "resident_id");
  await page.fill("[data-testid=su-id-number]", wrong);
  for (const skill of ["elderly", "haircut"]) await page.check(`[data-testid=su-skill][data-skill=${skill}]`);
  await page.fill("[data-testid=su-skill-other]", RESIDENT.otherSkill);
  for (const when of ["weekend", "evening"]) await page.check(`[data-testid=su-avail][data-avail=${when}]`);
  await page.fill("[data-testid=su-login]", opt.login);
  await page.fill("[data-testid=su-password]", RESIDENT.password);
  await page.check("[data-testid=su-consent]");
  await shot(page, "form-filled");
  await page.click("[data-testid=su-submit]");
  const idError = "[data-testid=su-id_number-error-word]";
  await page.waitForSelector(idError);
  // The app moves the focus to the refused field after drawing the error: wait for it (a
  // loaded CI machine read the focus before it moved), then say where it is.
  await page
    .waitForFunction(() => document.activeElement?.getAttribute("data-field") === "id_number", null, { timeout: 5_000 })
    .catch(() => {});
  out.refusal = {
    posts,
    zh: await text(page, idError),
    said: await text(page, "[data-testid=su-id_number-said]"),
    errors: await fieldErrors(page),
    // The error is the ID field's: described by it, just below it, and the field has the focus.
    describes: await page.evaluate(() => {
      const input = document.querySelector("[data-testid=su-id-number]");
      const ids = (input.getAttribute("aria-describedby") ?? "").split(" ");
      return ids.some(id => document.getElementById(id)?.querySelector("[data-testid=su-id_number-error-word]"));
    }),
    below: await page.evaluate(() => {
      const input = document.querySelector("[data-testid=su-id-number]").getBoundingClientRect();
      const error = document.querySelector("[data-testid=su-id_number-error-word]").getBoundingClientRect();
      const next = document.querySelector("[data-testid=su-skill]").getBoundingClientRect();
      return error.top >= input.bottom - 1 && error.top - input.bottom < 80 && error.bottom <= next.top;
    }),
    invalid: await page.getAttribute("[data-testid=su-id-number]", "aria-invalid"),
    focused: await page.evaluate(() => document.activeElement?.getAttribute("data-field") ?? null),
    kept: {
      name: await page.inputValue("[data-testid=su-name]"),
      login: await page.inputValue("[data-testid=su-login]"),
      consent: await page.isChecked("[data-testid=su-consent]"),
    },
  };
  await check(page, out, "sign-up refusal zh", "refusal");
  // The same screen in English: the refusal follows the language.
  await switchLanguage(page, "en");
  out.refusal.en = await textOnceChanged(page, idError, out.refusal.zh);
  out.refusal.saidEn = await text(page, "[data-testid=su-id_number-said]");
  out.englishTitle = await text(page, "[data-testid=signup-title]");
  out.englishCodes = codesIn(await text(page, "[data-testid=signup]"));
  out.englishHan = await page.evaluate(() => {
    // Chinese left on the English form, but for the community names offered and what was typed.
    const form = document.querySelector("[data-testid=signup]").cloneNode(true);
    form.querySelectorAll("select[data-testid=su-community] option, [data-testid=language]").forEach(e => e.remove());
    return (form.innerText.match(/[\u3400-\u9fff]+/g) ?? []).filter(w => w !== "李秀兰");
  });
  await check(page, out, "sign-up refusal en", "refusal-en");
  await switchLanguage(page, "zh");

  // Put right and sent.
  await page.fill("[data-testid=su-id-number]", right);
  await page.click("[data-testid=su-submit]");
  await page.waitForSelector("[data-testid=signup-sent]");
  out.sent = {
    posts,
    title: await text(page, "[data-testid=signup-sent-title]"),
    text: await text(page, "[data-testid=signup-sent-text]"),
  };
  await check(page, out, "sign-up sent zh", "sent");

  // The street's supervisor, at the desk: the sign-up in the people tab, approved.
  const office = await desk(browser);
  const sup = await open(office, opt.supervisor);
  await sup.click("[data-testid=tab-people]");
  await sup.waitForSelector("[data-testid=people-list][data-loaded=true]");
  await sup.waitForSelector("[data-testid=signups-pending]");
  out.pendingOnButton = await text(sup, "[data-testid=signups-pending]");
  await sup.click("[data-testid=people-section-signups]");
  const row = `[data-testid=signup][data-login="${opt.login}"]`;
  await sup.waitForSelector(row);
  await sup.waitForFunction(() => !document.querySelector("[aria-busy=true]"));
  const field = name => text(sup, `${row} [data-testid=signup-${name}]`);
  out.listed = {
    count: await text(sup, "[data-testid=signups-count]"),
    rows: (await sup.$$("[data-testid=signup]")).length,
    name: await field("name"),
    status: await field("status"),
    community: await field("community"),
    phone: await field("phone"),
    idType: await field("id-type"),
    idNumber: await field("id-number"),
    skills: await field("skills"),
    availability: await field("availability"),
    submitted: await field("submitted"),
    codes: codesIn(await text(sup, row)),
  };
  await check(sup, out, "sign-ups desk zh", "supervisor-list");
  await sup.setViewportSize({ width: 390, height: 844 });
  await check(sup, out, "sign-ups phone zh", "supervisor-list-phone");
  await switchLanguage(sup, "en");
  // The list is drawn again in English on a later frame: wait for it before reading.
  const skillsEn = await textOnceChanged(sup, `${row} [data-testid=signup-skills]`, out.listed.skills);
  out.listedEn = { skills: skillsEn, availability: await field("availability"), idType: await field("id-type") };
  await check(sup, out, "sign-ups phone en", "supervisor-list-phone-en");
  await switchLanguage(sup, "zh");
  await sup.setViewportSize({ width: 1280, height: 860 });

  await sup.click(`${row} [data-testid=signup-approve]`);
  await sup.waitForSelector(`${row}[data-status=approved] [data-testid=signup-number]`);
  out.approved = {
    number: await field("number"),
    outcome: await field("outcome"),
    status: await field("status"),
    count: await textOnceChanged(sup, "[data-testid=signups-count]", out.listed.count),
  };
  await shot(sup, "supervisor-approved");
  await office.close();

  // The resident, back on the login screen: their login is filled in; they sign in.
  await page.click("[data-testid=signup-done-back]");
  await page.waitForSelector("[data-testid=login-form]");
  out.loginFilled = await page.inputValue("input[name=name]");
  out.hashAfter = await page.evaluate(() => location.hash);
  await page.fill("input[name=name]", opt.login);
  await page.fill("input[name=password]", RESIDENT.password);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=sync-status]");
  await page.waitForSelector("[data-testid=registration-number]");
  const home = async () => ({
    number: await text(page, "[data-testid=registration-number]"),
    name: await text(page, "[data-testid=registration-name]"),
    community: await text(page, "[data-testid=registration-community]"),
    skills: await text(page, "[data-testid=registration-skills]"),
    availability: await text(page, "[data-testid=registration-availability]"),
  });
  await until("the community by name", async () => codesIn(await text(page, "[data-testid=registration-community]")).length === 0);
  out.home = await home();
  out.home.role = await text(page, ".bar .brand small");
  out.home.nameOffered = await page.inputValue("[data-testid=create-volunteer] input[name=name]").catch(() => null);
  out.home.redErrors = await page.$$eval(".error", els => els.map(e => e.textContent.trim()).filter(Boolean));
  out.home.keptIdNumber = await page.evaluate(n => Object.values({ ...localStorage }).some(v => v.includes(n)), right);
  await check(page, out, "volunteer home zh", "volunteer-home");

  // Offline, after a reload: the number is still there, and no error for being offline.
  await connection(page, "online");
  await appCached(page);
  await resident.setOffline(true);
  await page.reload();
  await page.waitForSelector("[data-testid=sync-status]");
  await connection(page, "offline");
  await page.waitForSelector("[data-testid=registration-number]");
  out.offline = {
    number: await text(page, "[data-testid=registration-number]"),
    redErrors: await page.$$eval(".error, [role=alert]", els => els.map(e => e.textContent.trim()).filter(Boolean)),
  };
  await shot(page, "volunteer-home-offline");
  await resident.setOffline(false);
  await resident.close();
  return out;
}

await runScenarios({ volunteers });
