// The grid worker's day in the browser (issue 17), on phone viewports, offline where the
// work is done offline: keeping a household up to date (every member field, removing one,
// a new head, tags with their day, the derived 零就业家庭), structured visits (required
// fields, "saved on this phone", today's visits on top, the phone's location when allowed),
// follow-up plans; and a service request from the worker who opens it through the
// supervisor who assigns it, the volunteer who works on it offline, back to the worker who
// records the resident's satisfaction and the supervisor who closes it, with overdue
// requests flagged on both sides. Prints what it observed as JSON; tests/e2e/web_worker_day.rs
// asserts on it and on the server's state.
//
//   node worker-day.mjs <household|requests> --base URL --password PW --shots DIR
//        --worker NAME --worker2 NAME --supervisor NAME --volunteer NAME

import {
  phone, desk, open, appCached, connection, pending, settled, token, apiGet, until, textOnceChanged, shot, opt, log, TIMEOUT, runScenarios,
} from "./browser.mjs";

const tag = Date.now().toString(36);
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const daysFromToday = n => new Date(Date.now() + 8 * 3_600_000 + n * 86_400_000).toISOString().slice(0, 10);

/** A phone that may tell the app where it is (the worker allowed it). */
async function phoneWithLocation(browser) {
  const context = await phone(browser);
  await context.grantPermissions(["geolocation"]);
  await context.setGeolocation({ latitude: 31.2304, longitude: 121.4737, accuracy: 25 });
  return context;
}

const member = name => `[data-testid=member][data-name="${name}"]`;

/** Registers a household online and opens it. */
async function register(w, address, head) {
  await w.click("[data-testid=new-household]");
  await w.fill("[data-testid=register-household] input[name=address]", address);
  await w.fill("[data-testid=register-household] input[name=name]", head);
  await w.click("[data-testid=register-household] button[type=submit]");
  await w.waitForSelector("[data-testid=household-detail]");
}

async function backToList(w) {
  await w.click("[data-testid=back]");
  await w.waitForSelector("[data-testid=todays-visits]");
}

async function openHousehold(w, address) {
  await w.click(`[data-testid=household][data-address="${address}"] button`);
  await w.waitForSelector("[data-testid=household-detail]");
}

/** The supervisor sets the community's rule: households on 低保 visited every 3 days. */
async function communityRule(browser, out) {
  const s = await open(await desk(browser), opt.supervisor);
  await s.click("[data-testid=tab-community]");
  await s.waitForSelector("[data-testid=community-create]");
  await s.click("[data-testid=community-create]");
  await s.waitForSelector("[data-testid=rule-dibao]");
  out.defaultRule = await s.inputValue("[data-testid=rule-dibao]");
  await s.fill("[data-testid=rule-dibao]", "3");
  await s.dispatchEvent("[data-testid=rule-dibao]", "change");
  await s.waitForFunction(() => document.querySelector("[data-testid=rule-dibao]")?.value === "3");
  await settled(s);
  await shot(s, "community-follow-up-rules");
  await s.context().close();
}

/** A worker keeps one household up to date with no signal, then syncs. */
async function household(browser) {
  const out = { address: `安康路${tag}号` };
  const address = out.address;
  await communityRule(browser, out);
  const w = await open(await phoneWithLocation(browser), opt.worker);
  await connection(w, "online");
  await appCached(w);
  await register(w, address, "赵大");
  await settled(w);

  await w.context().setOffline(true);
  await connection(w, "offline");

  // Every field of the head, edited in place.
  await w.click(`${member("赵大")} [data-testid=member-edit-open]`);
  const edit = `${member("赵大")} [data-testid=member-edit]`;
  await w.selectOption(`${edit} select[name=gender]`, "male");
  await w.fill(`${edit} input[name=birth_year]`, "1980");
  await w.fill(`${edit} input[name=phone]`, "138****5678");
  await w.fill(`${edit} input[name=id_tail]`, "123x");
  await w.check(`${edit} input[name=health_record]`);
  await w.selectOption(`${edit} select[name=disability_kind]`, "physical");
  await w.selectOption(`${edit} select[name=disability_grade]`, "2");
  await w.click(`${edit} button[type=submit]`);
  await w.waitForSelector(`${member("赵大")} [data-testid=member-disability]`);
  out.disabilityShown = (await w.textContent(`${member("赵大")} [data-testid=member-disability]`)).trim();
  await shot(w, "member-edited-offline");

  // Out of work since the first of the month (a dated status).
  const since = today().slice(0, 8) + "01";
  await w.click(`${member("赵大")} [data-testid=employment-open]`);
  await w.selectOption(`${member("赵大")} [data-testid=employment-form] select[name=status]`, "unemployed");
  await w.fill(`${member("赵大")} [data-testid=employment-form] input[name=since]`, since);
  await w.click(`${member("赵大")} [data-testid=employment-form] button[type=submit]`);

  // A spouse out of work too, and a child.
  for (const [name, relation, year, employment] of [["钱二", "spouse", "1982", "unemployed"], ["赵小", "child", "2012", ""]]) {
    await w.$eval("[data-testid=add-member]", d => { d.open = true; });
    const form = "[data-testid=add-member] form";
    await w.fill(`${form} input[name=name]`, name);
    await w.selectOption(`${form} select[name=relation]`, relation);
    await w.fill(`${form} input[name=birth_year]`, year);
    if (employment) await w.selectOption(`${form} select[name=employment]`, employment);
    await w.click(`${form} button[type=submit]`);
    await w.waitForSelector(member(name));
  }
  // Both adults out of work: 零就业家庭, derived, shown, not a button.
  await w.waitForSelector("[data-testid=tag-derived][data-on=true]");
  out.zeroEmploymentShown = true;
  out.zeroEmploymentTappable = await w.$eval("[data-testid=tag-derived]", el => el.tagName === "BUTTON");

  // The spouse becomes the head; the child moves out.
  await w.click(`${member("钱二")} [data-testid=make-head]`);
  await w.waitForFunction(sel => document.querySelector(sel)?.textContent.includes("户主"), member("钱二"));
  await w.click(`${member("赵小")} [data-testid=member-remove-open]`);
  await w.selectOption(`${member("赵小")} [data-testid=member-remove] select[name=reason]`, "moved_out");
  await w.click(`${member("赵小")} [data-testid=member-remove] button[type=submit]`);
  await w.waitForSelector(member("赵小"), { state: "detached" });
  out.formerMember = (await w.textContent("[data-testid=former-members]")).replace(/\s+/g, " ").trim();

  // Tags, one tap each, dated.
  out.tagDay = daysFromToday(-3);
  await w.fill("[data-testid=tag-on]", out.tagDay);
  for (const code of ["dibao", "disabled"]) {
    await w.click(`[data-testid=tag][data-tag=${code}]`);
    await w.waitForSelector(`[data-testid=tag][data-tag=${code}][aria-pressed=true]`);
  }
  await shot(w, "tags-offline");

  // A visit: nothing filled in is refused with a reason; then saved with its location.
  await w.click("[data-testid=visit-form] button[type=submit]");
  out.visitRefusal = await textOnceChanged(w, "[data-testid=visit-error]", "");
  await w.selectOption("[data-testid=visit-purpose]", "routine");
  await w.click("[data-testid=visit-form] button[type=submit]");
  out.visitRefusalNotes = await textOnceChanged(w, "[data-testid=visit-error]", out.visitRefusal);
  await w.fill("[data-testid=visit-form] textarea[name=notes]", "夫妻二人均失业，申请低保中");
  await w.check("[data-testid=visit-form] input[name=need_employment]");
  await w.check("[data-testid=visit-form] input[name=location]");
  await w.click("[data-testid=visit-form] button[type=submit]");
  await w.waitForSelector("[data-testid=visit] [data-testid=visit-location]");
  out.visitToast = (await w.textContent(".toast")).trim();
  out.visitLocation = (await w.textContent("[data-testid=visit-location]")).trim();
  out.plan = await w.getAttribute("[data-testid=follow-up-plan]", "data-state");
  out.planText = (await w.textContent("[data-testid=follow-up-plan]")).replace(/\s+/g, " ").trim();
  await shot(w, "visit-saved-offline");

  // A request, checked before it is saved.
  await w.click("[data-testid=request-form] button[type=submit]");
  out.requestRefusal = await textOnceChanged(w, "[data-testid=request-error]", "");
  await w.selectOption("[data-testid=request-form] select[name=category]", "employment");
  await w.fill("[data-testid=request-form] textarea[name=description]", `夫妻失业求职-${tag}`);
  await w.selectOption("[data-testid=request-form] select[name=urgency]", "urgent");
  await w.click("[data-testid=request-form] button[type=submit]");
  await w.waitForSelector("[data-testid=request]");
  out.requestToast = (await w.textContent(".toast")).trim();

  // Today's visits on the first screen, without scrolling.
  await backToList(w);
  await w.waitForSelector("[data-testid=todays-visit]");
  const box = await (await w.$("[data-testid=todays-visit]")).boundingBox();
  out.todaysVisitVisible = box.y + box.height <= 740;
  out.todaysVisitText = (await w.textContent("[data-testid=todays-visit]")).replace(/\s+/g, " ").trim();
  await shot(w, "first-screen-offline");

  out.pendingOffline = await pending(w);
  const sup = await token(opt.supervisor);
  // Registered online, changed offline: the server still has the old head.
  out.onServerWhileOffline = (await apiGet(sup, "/api/households?limit=500")).some(h => h.address === address && h.head_name === "钱二");

  // Offline still after a reload: everything is on this phone.
  await w.reload();
  await openHousehold(w, address);
  out.afterReloadMembers = await w.$$eval("[data-testid=member]", els => els.map(e => e.dataset.name));

  await w.context().setOffline(false);
  await connection(w, "online");
  await settled(w);
  const row = await until("the household on the server with its new head", async () =>
    (await apiGet(sup, "/api/households?limit=500")).find(h => h.address === address && h.head_name === "钱二"),
  );
  out.serverHousehold = row;
  out.documentId = row.document_id;

  // The supervisor sees the visit, with where the phone was.
  const s = await open(await desk(browser), opt.supervisor);
  await s.click("[data-testid=tab-households]");
  const listed = `[data-testid=sv-household][data-address="${address}"]`;
  await s.fill("[data-testid=sv-search]", address);
  await s.waitForSelector(listed);
  await s.click(`${listed} [data-testid=show-details]`);
  await s.waitForSelector(`${listed} [data-testid=visit-location]`);
  out.supervisorSeesLocation = (await s.textContent(`${listed} [data-testid=visit-location]`)).trim();
  await shot(s, "supervisor-visit-location");
  return out;
}

/** A request from opening to closing: worker, supervisor, volunteer, worker, supervisor. */
async function requests(browser) {
  const out = {};
  const address = `和顺里${tag}号`;
  const described = `需要助餐-${tag}`;
  const late = `楼道灯坏了-${tag}`;
  const w = await open(await phone(browser), opt.worker);
  await connection(w, "online");
  await register(w, address, "孙奶奶");
  for (const [category, description] of [["elderly", described], ["environment", late]]) {
    await w.selectOption("[data-testid=request-form] select[name=category]", category);
    await w.fill("[data-testid=request-form] textarea[name=description]", description);
    await w.click("[data-testid=request-form] button[type=submit]");
  }
  await w.waitForFunction(() => document.querySelectorAll("[data-testid=request]").length === 2);
  await settled(w);

  // The supervisor assigns the first to a volunteer (due day from the category), the second
  // to the other worker with a due day already past.
  const s = await open(await desk(browser), opt.supervisor);
  await s.click("[data-testid=tab-requests]");
  const row = d => `[data-testid=supervisor-request][data-description="${d}"]`;
  await s.waitForSelector(row(described));
  out.followUpsByGrid = await s.$$eval("[data-testid=grid-follow-ups]", els =>
    els.map(e => ({ org: e.dataset.org, never: Number(e.dataset.never), overdue: Number(e.dataset.overdue) })),
  );
  out.suggestedDue = await s.inputValue(`${row(described)} input[name=due]`);
  await s.selectOption(`${row(described)} select[name=kind]`, "volunteer");
  await s.selectOption(`${row(described)} select[name=assignee]`, opt.volunteer);
  await s.click(`${row(described)} [data-testid=assign-request] button`);
  await s.waitForSelector(`${row(described)}[data-status=assigned]`, { timeout: TIMEOUT });
  await s.selectOption(`${row(late)} select[name=kind]`, "worker");
  await s.selectOption(`${row(late)} select[name=assignee]`, opt.worker2);
  await s.fill(`${row(late)} input[name=due]`, daysFromToday(-2));
  await s.click(`${row(late)} [data-testid=assign-request] button`);
  await s.waitForSelector(`${row(late)}[data-overdue=true]`, { timeout: TIMEOUT });
  out.overdueOnDesk = true;
  await shot(s, "supervisor-requests");

  // The worker sees both assigned, the late one flagged overdue.
  await w.waitForSelector("[data-testid=request] [data-testid=request-overdue]");
  out.overdueOnPhone = (await w.textContent("[data-testid=request]:has([data-testid=request-overdue])")).includes(late);
  await shot(w, "worker-request-overdue");

  // The volunteer finds it on their phone and works on it offline.
  const v = await open(await phone(browser), opt.volunteer);
  await v.waitForSelector("[data-testid=create-volunteer]");
  await v.fill("[data-testid=create-volunteer] input[name=name]", "李志愿");
  await v.click("[data-testid=create-volunteer] button[type=submit]");
  const mine = "[data-testid=assigned-request]";
  await v.waitForSelector(mine);
  out.volunteerSees = (await v.textContent(mine)).includes(described);
  out.volunteerSeesAddress = (await v.textContent(`${mine} [data-testid=assigned-address]`)).includes(address);
  await connection(v, "online");
  await settled(v);
  await appCached(v);
  await v.context().setOffline(true);
  await connection(v, "offline");
  await v.fill(`${mine} textarea[name=text]`, "已联系助餐点");
  await v.selectOption(`${mine} select[name=status]`, "in_progress");
  await v.click(`${mine} [data-testid=assigned-update] button`);
  await v.waitForSelector(`${mine}[data-status=in_progress]`);
  await v.fill(`${mine} textarea[name=text]`, "每天中午送餐上门");
  await v.selectOption(`${mine} select[name=status]`, "resolved");
  await v.fill(`${mine} textarea[name=outcome]`, "安排每日送餐");
  await v.click(`${mine} [data-testid=assigned-update] button`);
  await v.waitForSelector(`${mine}[data-status=resolved]`);
  out.volunteerPendingOffline = await pending(v);
  await shot(v, "volunteer-request-offline");
  await v.context().setOffline(false);
  await connection(v, "online");
  await settled(v);

  // The worker sees it resolved without reloading and records the resident's satisfaction.
  const resolved = `[data-testid=request][data-status=resolved]`;
  await w.waitForSelector(resolved, { timeout: TIMEOUT });
  await w.selectOption(`${resolved} [data-testid=satisfaction-form] select`, "satisfied");
  await w.click(`${resolved} [data-testid=satisfaction-form] button`);
  await w.waitForSelector(`${resolved} [data-testid=request-satisfaction]`);
  await settled(w);
  await shot(w, "worker-satisfaction");

  // The supervisor closes it.
  const sup = await token(opt.supervisor);
  await until("the satisfaction on the server", async () =>
    (await apiGet(sup, "/api/requests?status=resolved")).find(r => r.description === described && r.satisfaction === "satisfied"),
  );
  await s.click("[data-testid=tab-review]");
  await s.click("[data-testid=tab-requests]");
  await s.waitForSelector(`${row(described)} [data-testid=close-request]`);
  await s.click(`${row(described)} [data-testid=close-request] button`);
  await s.waitForSelector(`${row(described)}[data-status=closed]`, { timeout: TIMEOUT });
  await shot(s, "supervisor-request-closed");
  out.address = address;
  out.described = described;
  out.late = late;
  log("requests done");
  return out;
}

await runScenarios({ household, requests });
