// A grid worker moved to another grid while their phone (the web app) holds a visit it has
// not sent (issue #19): back online, the app learns the new grid, hands the visit to the
// server's quarantine, lets the old grid's household go and says so. Prints what it
// observed as JSON; tests/e2e/web_moved.rs asserts on it and on the server.
//
//   node moved.mjs moved --base URL --password PW --shots DIR --worker NAME --supervisor NAME
//        --newGrid ORG

import {
  phone, open, connection, pending, settled, token, apiPost, until, shot, opt, TIMEOUT, runScenarios,
} from "./browser.mjs";

async function moved(browser) {
  const out = {};
  const context = await phone(browser);
  const w = await open(context, opt.worker);
  await connection(w, "online");

  // A household registered online, then a visit logged offline.
  const address = `调网格路${Date.now().toString(36)}号`;
  await w.click("[data-testid=new-household]");
  await w.fill("[data-testid=register-household] input[name=address]", address);
  await w.fill("[data-testid=register-household] input[name=name]", "郑国强");
  await w.click("[data-testid=register-household] button[type=submit]");
  await w.waitForSelector("[data-testid=household-detail]");
  await settled(w);
  await context.setOffline(true);
  await connection(w, "offline");
  await w.selectOption("[data-testid=visit-purpose]", "routine");
  await w.fill("[data-testid=visit-form] textarea[name=notes]", "调网格前的走访记录");
  await w.click("[data-testid=visit-form] button[type=submit]");
  await w.waitForSelector("[data-testid=visit]");
  out.pendingOffline = await pending(w);
  await w.click("[data-testid=back]");
  await w.waitForSelector(`[data-testid=household][data-address="${address}"]`);
  out.listedBefore = true;
  await shot(w, "before-move");

  // Meanwhile the supervisor moves the worker to another grid.
  const sup = await token(opt.supervisor);
  await apiPost(sup, "/api/users/change", { name: opt.worker, org: opt.newGrid });

  // Back online: the app follows the move.
  await context.setOffline(false);
  await connection(w, "online");
  out.toast = await until("the app to say the account changed", async () => {
    const text = await w.textContent(".toast").catch(() => null);
    return text && /现在是|now/.test(text) ? text.trim() : null;
  }, TIMEOUT);
  await w.waitForSelector(`[data-testid=household][data-address="${address}"]`, { state: "detached" });
  out.listedAfter = !!(await w.$(`[data-testid=household][data-address="${address}"]`));
  await settled(w);
  out.pendingAfter = await pending(w);
  out.sessionOrg = await w.evaluate(() => JSON.parse(localStorage.getItem("linli.session") ?? "{}").org ?? null);
  out.address = address;
  await shot(w, "after-move");

  // A new household now belongs to the new grid.
  await w.click("[data-testid=new-household]");
  await w.fill("[data-testid=register-household] input[name=address]", `${address}-新`);
  await w.fill("[data-testid=register-household] input[name=name]", "吴新");
  await w.click("[data-testid=register-household] button[type=submit]");
  await w.waitForSelector("[data-testid=household-detail]");
  await settled(w);
  out.newAddress = `${address}-新`;
  await context.close();
  return out;
}

await runScenarios({ moved });
