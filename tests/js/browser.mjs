// What every browser scenario shares: the command line (`<scenario> --base URL --password PW
// --shots DIR` and the people's names), launching Debian's chromium through playwright-core,
// phone- and desk-sized contexts, signing in, waiting for sync, the server's API from outside
// the browser, screenshots, and `runScenarios`, which runs the named scenario and prints the
// JSON it observed for the Rust test to assert on.

import { mkdirSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

export const [scenario, ...rest] = process.argv.slice(2);
export const opt = {};
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, "")] = rest[i + 1];
export const base = opt.base;
export const log = (...args) => console.error("[web]", ...args);
mkdirSync(opt.shots, { recursive: true });

export const TIMEOUT = 30_000;
let shotCount = 0;


/** Saves a full-page screenshot as a test artifact. */
export async function shot(page, name) {
  shotCount += 1;
  const path = `${opt.shots}/${scenario}-${String(shotCount).padStart(2, "0")}-${name}.png`;
  await page.screenshot({ path, fullPage: true });
  log("screenshot", path);
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.LINLI_CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** A phone-sized browser (360 px wide), as volunteers and grid workers use. */
export const phone = browser =>
  browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: "zh-CN" });
/** A desk-sized browser, as supervisors use. */
export const desk = browser => browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "zh-CN" });

export async function open(context, name) {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", e => log(name, "page error:", e.message));
  await page.goto(base + "/");
  await page.fill("input[name=name]", name);
  await page.fill("input[name=password]", opt.password);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=sync-status]");
  return page;
}

/** Waits until the service worker has cached the app (so it opens offline). */
export async function appCached(page) {
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return !!registration.active;
  });
}

export const connection = (page, state) => page.waitForSelector(`[data-testid=connection][data-state=${state}]`);
export const pending = async page => Number(await page.getAttribute("[data-testid=pending]", "data-count"));
export const settled = page => page.waitForSelector("[data-testid=pending][data-count='0']");

/** A bearer token for checking the server's state from outside the browser. */
export async function token(name) {
  const r = await fetch(`${base}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, password: opt.password, device_name: "web-e2e check" }),
  });
  if (!r.ok) throw new Error(`login ${name}: ${r.status}`);
  return (await r.json()).access_token;
}

export async function apiGet(tok, path) {
  const r = await fetch(base + path, { headers: { authorization: `Bearer ${tok}` } });
  if (!r.ok) throw new Error(`GET ${path}: ${r.status}`);
  return r.json();
}

export async function apiPost(tok, path, body) {
  const r = await fetch(base + path, {
    method: "POST",
    headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

export async function until(what, check, ms = TIMEOUT) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

/** The text of `selector` once it is no longer `before` (the app draws on the next frame, so
 * a read straight after a click can see the previous text); after `ms` without a change,
 * whatever it is then, so that the caller's assertion says what was shown. */
export async function textOnceChanged(page, selector, before, ms = 5_000) {
  await page
    .waitForFunction(
      ([sel, old]) => {
        const now = document.querySelector(sel)?.textContent.trim() ?? "";
        return now !== "" && now !== old;
      },
      [selector, before],
      { timeout: ms },
    )
    .catch(() => {});
  return ((await page.textContent(selector)) ?? "").trim();
}

/** Switches the app's language with its own button and returns once the page has been drawn
 * in it: `<html lang>` changes at the click, but the app redraws on the next animation frame,
 * so a read in between sees the old words. Waits for the language button to name the other
 * language (it is part of every drawing) and then for two more frames. */
export async function switchLanguage(page, to) {
  const lang = to === "en" ? "en" : "zh-CN";
  if ((await page.evaluate(() => document.documentElement.lang)) === lang) return;
  await page.click("[data-testid=language]");
  const offered = lang === "en" ? "zh-CN" : "en";
  await page.waitForFunction(
    ([l, other]) =>
      document.documentElement.lang === l &&
      [...document.querySelectorAll("[data-testid=language]")].every(b => b.getAttribute("lang") === other),
    [lang, offered],
  );
  await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Runs the scenario named on the command line and prints what it observed as JSON; on
 * failure, screenshots every open page and exits non-zero. */
export async function runScenarios(scenarios) {
  const browser = await launch();
  try {
    const run = scenarios[scenario];
    if (!run) throw new Error(`unknown scenario ${scenario}`);
    const out = await run(browser);
    console.log(JSON.stringify(out));
  } catch (e) {
    log("failed:", e.stack ?? e);
    // Kept beside the screenshots, for when the runner does not show this process's stderr.
    writeFileSync(`${opt.shots}/${scenario}-error.txt`, String(e.stack ?? e));
    const contexts = browser.contexts();
    for (const [i, context] of contexts.entries()) {
      for (const [j, page] of context.pages().entries()) {
        await shot(page, `failure-${i}-${j}`).catch(() => {});
      }
    }
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
