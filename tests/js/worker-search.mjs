// "Find a household fast" (issue #17): a grid worker's phone with 2,000 households. Seeds the
// grid from outside the browser with the stock automerge-repo client (as the worker, through
// a token of their own), opens the web app on a phone-sized Chromium with the CPU slowed 4×,
// and measures (a) going back to the list until it is painted and (b) typing a search (or
// tapping a chip) until the matching list is painted. Checks every search against what the
// seed says it must find, then restarts the app offline from the device's IndexedDB copies.
// Prints one JSON object; tests/e2e/web_search.rs asserts on it and reports the timings.
//
//   node worker-search.mjs search --base http://127.0.0.1:PORT --password PW --shots DIR
//        --worker NAME [--households 2000] [--throttle 4]

import { close, connect } from "./lib.mjs";
import { phone, open, appCached, connection, settled, token, apiGet, until, shot, opt, base, log, runScenarios } from "./browser.mjs";

const N = Number(opt.households ?? 2000);
const THROTTLE = Number(opt.throttle ?? 4);
const GRID = "c01/s01/m01/g01";

// ---------------------------------------------------------------------------------------
// The seed: deterministic, varied households, and what the app must find in them.

/** A small deterministic PRNG (mulberry32), so every run seeds the same grid. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Today as the app computes it: the date in Beijing (clients/web/src/records.ts `today`),
 * whatever the machine's own time zone. */
function localToday() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "罗", "郑"];
const RARE = ["欧阳", "司马"];
const GIVEN = ["秀英", "桂兰", "建国", "建华", "志强", "玉梅", "淑珍", "国庆", "丽娟", "海燕", "文博", "子涵", "雨桐", "明远", "春生", "德胜", "凤英", "金花", "永福", "晓东", "思远", "佳怡", "宏伟", "小红"];
const COMPOUNDS = ["幸福路", "桂花苑", "建设街", "东风小区", "和平里", "光明巷", "人民路", "新华村"];
const TAG_ODDS = { dibao: 0.12, tekun: 0.03, wubao: 0.02, disabled: 0.08, living_alone: 0.06, empty_nest: 0.1, left_behind: 0.04, migrant: 0.1, youfu: 0.03 };
/** Days between visits by tag when the community set no rule (clients/web/src/follow_up.ts). */
const EVERY = { living_alone: 7, tekun: 14, wubao: 14, disabled: 30, dibao: 30, empty_nest: 30, left_behind: 30, zero_employment: 30 };

function phoneNumber(r) {
  const d = n => Array.from({ length: n }, () => Math.floor(r() * 10)).join("");
  const [a, b, c] = [`1${3 + Math.floor(r() * 6)}${d(1)}`, d(4), d(4)];
  const style = Math.floor(r() * 5);
  // Mobiles written four ways, and a landline with its area code. (The contract also names
  // `*` for a masked digit, but the server's rule refuses it: not used here.)
  return [`${a} ${b} ${c}`, `${a}${b}${c}`, `${a}-${b}-${c}`, `+86 ${a} ${b} ${c}`, `(0${a.slice(1)}) ${b} ${c}`][style];
}

/** The `i`th household of the seed, and the facts the app must derive from it. */
function household(i, r, on) {
  const year = Number(on.slice(0, 4));
  const name = () => (r() < 0.04 ? RARE[Math.floor(r() * RARE.length)] : SURNAMES[Math.floor(r() * SURNAMES.length)]) + GIVEN[Math.floor(r() * GIVEN.length)];
  const k = Math.floor(i / COMPOUNDS.length);
  const address = `${COMPOUNDS[i % COMPOUNDS.length]}${Math.floor(k / 10) + 1}栋${101 + (k % 10)}室`;
  const zeroEmployment = r() < 0.05;
  const member = (relation, age, employment, extra = {}) => ({
    name: name(), gender: r() < 0.5 ? "男" : "女", birth_year: year - age, relation,
    id_tail: String(Math.floor(r() * 10000)).padStart(4, "0"), phone: r() < 0.85 ? phoneNumber(r) : "",
    employment, health_record: r() < 0.5, tags: {}, ...extra,
  });
  // Working age is 16 to 59: a zero-employment household's working-age members are all out
  // of work; the others have someone in work, or no one of working age.
  const adult = () => {
    if (zeroEmployment) return r() < 0.7 ? [40 + Math.floor(r() * 15), "unemployed"] : [62 + Math.floor(r() * 20), "retired"];
    return r() < 0.6 ? [30 + Math.floor(r() * 29), "employed"] : [60 + Math.floor(r() * 25), "retired"];
  };
  const members = { [`m${i}a`]: member("head", ...(zeroEmployment ? [45, "unemployed"] : adult())) };
  if (r() < 0.6) members[`m${i}b`] = member("spouse", ...adult());
  if (r() < 0.3) members[`m${i}c`] = member("child", 5 + Math.floor(r() * 10), "student");
  // A son who moved out, under a surname no resident has: searching his name finds nothing.
  if (r() < 0.06) {
    members[`m${i}d`] = member("child", 30, "employed", { removed_reason: "moved_out", removed_on: addDays(on, -400) });
    members[`m${i}d`].name = `诸葛${GIVEN[i % GIVEN.length]}`;
  }
  const tags = {};
  for (const [tag, odds] of Object.entries(TAG_ODDS)) {
    if (r() < odds) tags[tag] = true;
    else if (r() < 0.05) tags[tag] = false;
  }
  // Visits: none, or one to three, the last with or without a follow-up date.
  const visits = [];
  if (r() >= 0.15) {
    const count = 1 + Math.floor(r() * 3);
    const ago = [3, 10, 25, 45, 100, 200, 400][Math.floor(r() * 7)];
    for (let v = 0; v < count; v++) {
      const day = addDays(on, -(ago + (count - 1 - v) * 60));
      visits.push({ id: `v${i}-${v}`, at: `${day}T10:00:00+08:00`, by: opt.worker, purpose: "入户走访", notes: "", needs: [] });
    }
    const last = visits[visits.length - 1];
    const f = r();
    if (f < 0.15) last.follow_up = addDays(on, -(1 + Math.floor(r() * 60)));
    else if (f < 0.22) last.follow_up = on;
    else if (f < 0.4) last.follow_up = addDays(on, 1 + Math.floor(r() * 60));
  }
  const doc = { kind: "household", schema: 1, org: GRID, address, tags, members, visits };
  return { doc, zeroEmployment };
}

/** What the app must derive: tags (with 零就业家庭), the follow-up state. */
function facts({ doc, zeroEmployment }, on) {
  const tags = Object.entries(doc.tags).filter(([, v]) => v === true).map(([k]) => k);
  if (zeroEmployment) tags.push("zero_employment");
  const days = tags.map(t => EVERY[t]).filter(d => d > 0);
  const every = days.length ? Math.min(...days) : 90;
  const last = [...doc.visits].sort((a, b) => a.at.localeCompare(b.at)).at(-1);
  let follow = "never";
  if (last) {
    const due = last.follow_up || addDays(last.at.slice(0, 10), every);
    follow = due < on ? "overdue" : due === on ? "today" : due <= addDays(on, 6) ? "week" : "later";
  }
  const residents = Object.values(doc.members).filter(m => !m.removed_reason);
  return {
    address: doc.address,
    tags,
    due: ["never", "overdue", "today"].includes(follow),
    late: ["never", "overdue"].includes(follow),
    text: [doc.address, ...residents.map(m => m.name)].join("\n").toLowerCase(),
    phones: residents.map(m => m.phone.replace(/\D/g, "")).filter(p => p),
    removedNames: Object.values(doc.members).filter(m => m.removed_reason).map(m => m.name),
  };
}

/** The seed's answer to a search: the same rule the app states (name, address, phone tail). */
function expected(all, { text = "", tags = [], due = false }) {
  const q = text.trim().toLowerCase();
  const digits = /^[\d\s+\-()]+$/.test(q) ? q.replace(/\D/g, "") : "";
  return all
    .filter(h => (!due || h.due) && tags.every(t => h.tags.includes(t)))
    .filter(h => !q || h.text.includes(q) || (digits && h.phones.some(p => p.endsWith(digits))))
    .map(h => h.address);
}

/** Creates the households on the server as the worker, through the stock JS client. */
async function seed(households) {
  const tok = await token(opt.worker);
  const started = Date.now();
  const url = `${base.replace(/^http/, "ws")}/sync?token=${encodeURIComponent(tok)}`;
  const { repo } = await connect(url);
  // The server is busy committing while we ask: a failed request is asked again.
  const count = async () => (await apiGet(tok, "/api/documents?kind=household&limit=5000").catch(() => [])).length;
  try {
    for (const [i, h] of households.entries()) {
      repo.create(h.doc);
      // Let the socket breathe (the server pings; a silent client is cut off).
      if (i % 100 === 99) await new Promise(r => setImmediate(r));
    }
    await until(`${households.length} households on the server`, async () => (await count()) >= households.length, 150_000);
  } finally {
    await close(repo);
  }
  return { ms: Date.now() - started, onServer: await count() };
}

// ---------------------------------------------------------------------------------------
// Measuring in the page: from the event to the frame that shows the result.

/** In the page: runs `act` (a function source), waits for `ready` to hold in an animation
 * frame (the app draws in one), then for the task after that frame (its paint), and returns
 * the milliseconds from just before `act`. */
async function timed(page, act, ready, arg) {
  return page.evaluate(
    async ({ act, ready, arg }) => {
      const doAct = new Function("arg", act);
      const isReady = new Function("arg", ready);
      const t0 = performance.now();
      doAct(arg);
      await new Promise((resolve, reject) => {
        const deadline = t0 + 20_000;
        const check = () => {
          if (isReady(arg)) setTimeout(resolve, 0);
          else if (performance.now() > deadline) reject(new Error(`not shown: ${ready} ${JSON.stringify(arg)}`));
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      });
      return Math.round(performance.now() - t0);
    },
    { act, ready, arg },
  );
}

let views = 0;
/** A screenshot of what the phone's screen shows, scrolled to the search box. */
async function view(page, name) {
  await page.evaluate(() => {
    const card = document.querySelector("[data-testid=household-total]")?.closest("section");
    const bar = document.querySelector(".bar")?.getBoundingClientRect().height ?? 0;
    if (card) window.scrollTo(0, card.getBoundingClientRect().top + window.scrollY - bar - 8);
  });
  views += 1;
  const path = `${opt.shots}/search-view-${String(views).padStart(2, "0")}-${name}.png`;
  await page.screenshot({ path });
  log("screenshot", path);
}

/** What the list shows: the count, the addresses drawn, and how many rows. */
async function shown(page) {
  return page.evaluate(() => {
    const count = document.querySelector("[data-testid=match-count]");
    return {
      count: Number(count?.getAttribute("data-count")),
      rows: [...document.querySelectorAll("[data-testid=household]")].map(li => li.getAttribute("data-address")),
      more: !!document.querySelector("[data-testid=show-more]"),
    };
  });
}

const TYPE = `const input = document.querySelector("[data-testid=search]");
  input.value = arg.text;
  input.dispatchEvent(new InputEvent("input", { bubbles: true, data: arg.text, inputType: "insertText" }));`;
const CHIP = `document.querySelector('[data-testid=chip][data-tag="' + arg.tag + '"]').click();`;
const SHOWN = `const c = document.querySelector("[data-testid=match-count]");
  return !!c && c.getAttribute("data-text") === arg.text && c.getAttribute("data-chips") === arg.chips;`;

/** Waits until the page has run no long task (> 50 ms) for `ms` (at most 30 s): the
 * documents' writes to IndexedDB and the last sync messages are done. */
async function quiet(page, ms = 2000) {
  return page.evaluate(async ms => {
    let last = performance.now();
    const seen = new PerformanceObserver(list => {
      for (const e of list.getEntries()) last = Math.max(last, e.startTime + e.duration);
    });
    seen.observe({ type: "longtask", buffered: false });
    const start = performance.now();
    while (performance.now() - last < ms && performance.now() - start < 30_000) await new Promise(r => setTimeout(r, 200));
    seen.disconnect();
    return Math.round(performance.now() - start);
  }, ms);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The seed's households for today. */
function grid(on) {
  const r = rng(17);
  return Array.from({ length: N }, (_, i) => household(i, r, on));
}

/** Only seeds the grid (to look at it by hand: sign in as the worker afterwards). */
async function seedOnly() {
  return seed(grid(localToday()));
}

async function search(browser) {
  const on = localToday();
  const households = grid(on);
  const all = households.map(h => facts(h, on));
  const out = { households: N, throttle: THROTTLE, today: on, searches: [], problems: [] };

  log(`seeding ${N} households`);
  out.seed = await seed(households);
  log(`seeded in ${out.seed.ms} ms`);

  const context = await phone(browser);
  const t0 = Date.now();
  const page = await open(context, opt.worker);
  const total = n => page.waitForSelector(`[data-testid=household-total][data-count="${n}"]`, { timeout: 120_000 });
  await total(N);
  out.loadOnlineMs = Date.now() - t0;
  log(`all ${N} households in the page after ${out.loadOnlineMs} ms`);
  await connection(page, "online");
  await settled(page);
  await appCached(page);

  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: THROTTLE });
  out.quietAfterMs = await quiet(page);

  // What the first screen shows with no search: the count, a page of rows in address order.
  const first = await shown(page);
  out.firstPage = { count: first.count, rows: first.rows.length, more: first.more };
  const byAddress = new Set(all.map(h => h.address));
  if (first.count !== N) out.problems.push(`the list counts ${first.count}, not ${N}`);
  if (first.rows.some(a => !byAddress.has(a))) out.problems.push("the list shows an address not in the grid");
  // The first screen's "overdue" group: overdue or never visited, by the follow-up plan.
  out.overdueShown = Number(await page.getAttribute("[data-testid=due-group][data-group=overdue]", "data-count"));
  out.overdueExpected = all.filter(h => h.late).length;
  await shot(page, "worker-list-2000");
  await view(page, "list");

  // (a) Back to the list from a household, three times, until it is painted.
  out.backToListMs = [];
  for (let i = 0; i < 3; i++) {
    await page.click(`[data-testid=household] >> nth=${i * 7}`);
    await page.waitForSelector("[data-testid=household-detail]");
    await page.waitForTimeout(300);
    out.backToListMs.push(
      await timed(
        page,
        `[...document.querySelectorAll("main button.link")].find(b => b.textContent.includes("返回")).click();`,
        `return document.querySelectorAll("[data-testid=household]").length > 0;`,
      ),
    );
  }
  // A full re-render of the whole screen: switching the language twice redraws every word.
  out.fullRedrawMs = [];
  for (let i = 0; i < 2; i++) {
    const want = i === 0 ? "Households in my grid" : "我的网格住户";
    out.fullRedrawMs.push(
      await timed(page, `document.querySelector("[data-testid=logout]").previousElementSibling.click();`, `return document.body.textContent.includes(arg.want);`, { want }),
    );
  }
  log("back to the list (ms):", out.backToListMs, "full redraw (ms):", out.fullRedrawMs);

  // (b) Searches: typed words and chips, each checked against the seed.
  const pick = all[Math.floor(N * 0.37)];
  const tail = pick.phones[0]?.slice(-4) ?? "0000";
  const spouse = households.find(h => Object.values(h.doc.members).some(m => m.relation === "spouse" && RARE.some(s => m.name.startsWith(s))));
  const spouseName = Object.values(spouse.doc.members).find(m => m.relation === "spouse" && RARE.some(s => m.name.startsWith(s))).name;
  const removed = all.find(h => h.removedNames.length > 0 && !all.some(o => o.text.includes(h.removedNames[0].toLowerCase())));
  if (!removed) throw new Error("the seed has no member who moved out");
  // Each case: the search it leaves on screen, and the one action timed to get there (typing
  // the words, or tapping a chip); anything else it needs is set first, untimed.
  const cases = [
    { label: "name (rare surname)", text: "欧阳" },
    { label: "name (a spouse, not the head)", text: spouseName },
    { label: "name (moved out: not found)", text: removed.removedNames[0] },
    { label: "address (a compound)", text: "桂花苑" },
    { label: "address (one flat)", text: pick.address },
    { label: "phone tail", text: tail, shot: "worker-search-phone" },
    { label: "chip 低保", tap: "dibao", shot: "worker-search-chip" },
    { label: "chip 零就业家庭", tap: "zero_employment" },
    { label: "chip 待走访 (due)", tap: "due" },
    { label: "chip 待走访 + 桂花苑", text: "桂花苑", due: true, shot: "worker-search-due" },
    { label: "chip 独居老人 + 待走访", tags: ["living_alone"], tap: "due" },
  ];
  const state = { text: "", tags: [], due: false };
  const chipsOf = () => [...(state.due ? ["due"] : []), ...state.tags].join(",");
  /** Taps chip `tag` (or types `text`) and returns the milliseconds until it is shown. */
  const tap = tag => {
    if (tag === "due") state.due = !state.due;
    else state.tags = state.tags.includes(tag) ? state.tags.filter(t => t !== tag) : [...state.tags, tag];
    return timed(page, CHIP, SHOWN, { tag, text: state.text, chips: chipsOf() });
  };
  const type = text => {
    state.text = text;
    return timed(page, TYPE, SHOWN, { text, chips: chipsOf() });
  };
  for (const c of cases) {
    const target = {
      text: c.text ?? "",
      tags: [...(c.tags ?? []), ...(c.tap && c.tap !== "due" ? [c.tap] : [])],
      due: !!c.due || c.tap === "due",
    };
    // Untimed: every chip and the words the timed action does not set.
    for (const tag of [...state.tags, ...target.tags]) {
      if (tag !== c.tap && state.tags.includes(tag) !== target.tags.includes(tag)) await tap(tag);
    }
    if (c.tap !== "due" && state.due !== target.due) await tap("due");
    if (c.tap && state.text !== target.text) await type(target.text);
    if (c.tap && state.tags.includes(c.tap) === target.tags.includes(c.tap) && c.tap !== "due") await tap(c.tap);
    if (c.tap === "due" && state.due === target.due) await tap("due");
    // Three times (undone in between, untimed); the median is reported.
    const before = state.text;
    const runs = [];
    for (let n = 0; n < 3; n++) {
      if (n > 0) await (c.tap ? tap(c.tap) : type(before));
      runs.push(await (c.tap ? tap(c.tap) : type(target.text)));
    }
    const ms = median(runs);
    const want = expected(all, state);
    const got = await shown(page);
    const wantSet = new Set(want);
    const ok =
      got.count === want.length &&
      got.rows.length === Math.min(50, want.length) &&
      got.rows.every(a => wantSet.has(a)) &&
      got.more === want.length > 50;
    const result = { label: c.label, text: state.text, chips: chipsOf(), ms, runs, count: got.count, expected: want.length, shown: got.rows.length, ok };
    out.searches.push(result);
    log(JSON.stringify(result));
    if (!ok) out.problems.push(`${c.label}: found ${got.count} (${got.rows.length} drawn), expected ${want.length}`);
    if (c.shot) await view(page, c.shot);
  }

  // Clear, then "show more" draws the next page of the whole list.
  await timed(page, `document.querySelector("[data-testid=clear-search]").click();`, SHOWN, { text: "", chips: "" });
  out.showMoreMs = await timed(
    page,
    `document.querySelector("[data-testid=show-more]").click();`,
    `return document.querySelectorAll("[data-testid=household]").length > 50;`,
  );
  out.afterShowMore = (await shown(page)).rows.length;

  // The app restarts offline from IndexedDB and shows the whole grid.
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  // A CDP session of our own left open loses the offline emulation at the reload.
  await cdp.detach();
  await context.setOffline(true);
  await connection(page, "offline");
  const t1 = Date.now();
  await page.reload();
  await page.waitForSelector("[data-testid=household]", { timeout: 60_000 });
  out.offlineFirstRowsMs = Date.now() - t1;
  await total(N);
  out.offlineStartMs = Date.now() - t1;
  out.offlineCount = (await shown(page)).count;
  out.offlineState = await page.getAttribute("[data-testid=connection]", "data-state");
  log(`offline restart: ${N} households after ${out.offlineStartMs} ms`);
  await view(page, "offline-2000");

  out.searchMs = out.searches.map(s => s.ms);
  out.searchMedianMs = median(out.searchMs);
  out.searchMaxMs = Math.max(...out.searchMs);
  out.backToListMedianMs = median(out.backToListMs);
  await context.close();
  return out;
}

await runScenarios({ search, seed: seedOnly });
