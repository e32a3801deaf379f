// The supervisor's desk: the review queue (conflicting edits side by side, hours to
// approve in bulk, records sent back), possible duplicates to merge, the indicators as
// charts against the policy's targets with drill-down, service requests and follow-ups due
// per grid, the CSV/XLSX exports, and people and units (supervisor_people.ts).
// This part reads the server's API, so it needs a connection.
import { html, nothing } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { type Ctx, when } from "../context";
import { deviceName, loadDirectory, orgLabel, personName } from "../directory";
import { exportsView } from "./exports";
import { fieldLabel } from "../field_words";
import { code, t, type Key } from "../i18n";
import { indicatorsView, periodQuery, type Report } from "./indicators";
import { communityEditor, loadCommunity } from "./community";
import { loadRequests, requestsTab } from "./supervisor_requests";
import { householdsView, loadHouseholds, type HouseholdRow } from "./supervisor_households";
import { conflictsView, loadConflicts, showValue } from "./supervisor_conflicts";
import { loadPeople, peopleView } from "./supervisor_people";
import { activitiesTab, loadActivities } from "./supervisor_activities";

interface QuarantineItem {
  id: number;
  document_id: string;
  kind: string | null;
  org: string | null;
  user: string | null;
  device: string | null;
  received_at: number;
  reason: string;
  status: string;
  /** The refused writes, when they can be applied again: field and value. */
  writes: { path: string; value: unknown }[];
  can_accept: boolean;
}
interface EntryRow { document_id: string; entry_id: string; org: string; user: string; date: string; minutes: number; activity: string; category: string; source?: string; status: string; review_note: string | null }
interface Duplicate {
  id: number; first_id: string; second_id: string; org: string; status: string;
  first_address: string | null; first_head: string | null; first_members: number | null;
  second_address: string | null; second_head: string | null; second_members: number | null;
}

type Tab = "review" | "households" | "requests" | "duplicates" | "indicators" | "community" | "exports" | "people" | "activities";

const state = {
  tab: "review" as Tab,
  quarantine: [] as QuarantineItem[],
  waiting: [] as EntryRow[],
  issues: [] as EntryRow[],
  /** Households sent back (the review tab). */
  sentBack: [] as HouseholdRow[],
  duplicates: [] as Duplicate[],
  report: null as Report | null,
  org: "",
  chosen: new Set<string>(),
  /** The note for the hours chosen to be sent back together. */
  note: "",
  /** The hours queue's search, unit and how many rows it shows. */
  hoursFilter: "",
  hoursOrg: "",
  hoursShown: 50,

  /** When each tab's data last arrived (ms), and whether its last load failed: a list
   * shows "loading" until its data has arrived, never a count of zero it has not seen. */
  loadedAt: {} as Partial<Record<Tab, number>>,
  failed: {} as Partial<Record<Tab, boolean>>,
  loading: false,
  /** A load was asked for while another ran (a tab or org picked meanwhile): run once more. */
  again: false,
  /** The tab the shown data was loaded for; until it is the current tab, the view is busy. */
  loadedTab: "" as Tab | "",
};

/** Rows a list shows at a time. */
const PAGE = 50;

const key = (e: EntryRow) => `${e.document_id}/${e.entry_id}`;

/** Loads what the current tab shows. */
export async function loadSupervisor(ctx: Ctx): Promise<void> {
  if (state.loading) {
    state.again = true;
    return;
  }
  state.loading = true;
  state.again = false;
  state.org ||= ctx.session.org;
  const tab = state.tab;
  if (await loadDirectory(ctx.api.get.bind(ctx.api))) ctx.refresh();
  try {
    if (state.tab === "review") {
      const [, quarantine, waiting, issues, sentBack] = await Promise.all([
        loadConflicts(ctx),
        ctx.api.get<QuarantineItem[]>("/api/quarantine?status=open&limit=200"),
        ctx.api.get<EntryRow[]>("/api/volunteer-entries?status=submitted&limit=500"),
        ctx.api.get<EntryRow[]>("/api/volunteer-entries?status=has_issues&limit=500"),
        ctx.api.get<HouseholdRow[]>("/api/households?review=has_issues&limit=200"),
      ]);
      Object.assign(state, { quarantine, waiting, issues, sentBack });
    } else if (state.tab === "households") {
      await loadHouseholds(ctx);
    } else if (state.tab === "requests") {
      await loadRequests(ctx);
    } else if (state.tab === "duplicates") {
      state.duplicates = await ctx.api.get<Duplicate[]>("/api/duplicates?status=open&limit=200");
    } else if (state.tab === "indicators" || state.tab === "exports") {
      state.report = await ctx.api.get<Report>(`/api/indicators?org=${encodeURIComponent(state.org)}&${periodQuery()}`);
    } else if (state.tab === "community") {
      await loadCommunity(ctx, state.org);
    } else if (state.tab === "people") {
      await loadPeople(ctx);
    } else if (state.tab === "activities") {
      await loadActivities(ctx);
    }
    state.failed[tab] = false;
    state.loadedAt[tab] = Date.now();
    state.loadedTab = tab;
  } catch {
    state.failed[tab] = true;
  } finally {
    state.loading = false;
    if (state.again) void loadSupervisor(ctx);
    ctx.refresh();
  }
}

/** `aria-busy` for a tab's section: true until its own data has arrived. */
const busy = (tab: Tab) => String(state.loadedTab !== tab || state.again);

/** Whether the current tab shows data that arrived for it (else counts are not shown). */
const loaded = (tab: Tab) => state.loadedAt[tab] !== undefined;

/** A count in a heading: the number once the list has arrived, "…" until then. */
const count = (tab: Tab, n: number) => html`<span class="count">${loaded(tab) ? n : "…"}</span>`;

/** What the lists of the current tab are: loading, or not loadable (with how old the shown
 * data is). Words are looked up at each draw, so they follow the language switch. */
function listStatus(ctx: Ctx, tab: Tab) {
  const at = state.loadedAt[tab];
  if (state.failed[tab]) {
    return html`<div class="error" role="alert" data-testid="list-failed">
      <p>${t("list_failed")}</p>
      <p>${at ? html`${t("list_stale")} <b data-testid="list-age">${when(at)}</b>` : t("list_never_loaded")}</p>
      <button @click=${() => void loadSupervisor(ctx)}>${t("try_again")}</button></div>`;
  }
  if (at === undefined) return html`<p class="loading" role="status" data-testid="list-loading">${t("list_loading")}</p>`;
  return nothing;
}

/** Changes the server refused (kept in quarantine): who, which device, when, what, why. */
function quarantine(ctx: Ctx) {
  const decide = async (q: QuarantineItem, action: "accept" | "dismiss") => {
    try {
      await ctx.api.post(`/api/quarantine/${q.id}/${action}`, { note: "" });
    } catch (e) {
      ctx.toast(`${t("error")}: ${String((e as Error).message ?? e)}`);
    }
    await loadSupervisor(ctx);
  };
  return html`<section class="card" data-testid="quarantine">
    <h2>${t("refused_changes")} ${count("review", state.quarantine.length)}</h2>
    ${loaded("review") && state.quarantine.length === 0 ? html`<p>${t("no_refused_changes")}</p>` : nothing}
    ${state.quarantine.map(q => html`<article class="conflict" data-testid="quarantined">
      <p><b>${personName(q.user)}</b> (${deviceName(q.device)}) · ${when(q.received_at)} · ${q.kind ? code("kind", q.kind) : t("document")} ${orgLabel(q.org, ctx.session.org)}</p>
      <p class="note">${q.reason}</p>
      ${q.writes.length > 0
        ? html`<ul class="list">${q.writes.map(w => html`<li>${fieldLabel(w.path)} → <b>${showValue(w.value)}</b></li>`)}</ul>`
        : nothing}
      <div class="row">
        ${q.can_accept ? html`<button class="primary" data-testid="quarantine-accept" @click=${() => decide(q, "accept")}>${t("accept_apply")}</button>` : nothing}
        <button data-testid="quarantine-dismiss" @click=${() => decide(q, "dismiss")}>${t("dismiss")}</button>
      </div>
    </article>`)}
  </section>`;
}

function hoursQueue(ctx: Ctx) {
  const decide = async (status: "approved" | "has_issues") => {
    const items = state.waiting.filter(e => state.chosen.has(key(e))).map(e => ({ document_id: e.document_id, entry_id: e.entry_id }));
    if (items.length === 0) return;
    if (status === "has_issues" && !state.note.trim()) {
      ctx.toast(t("note_required"));
      return;
    }
    await ctx.api.post("/api/review/entries", { items, status, note: status === "has_issues" ? state.note.trim() : "" });
    state.chosen.clear();
    state.note = "";
    await loadSupervisor(ctx);
  };
  const toggle = (e: EntryRow) => {
    if (state.chosen.has(key(e))) state.chosen.delete(key(e));
    else state.chosen.add(key(e));
    ctx.refresh();
  };
  // Search (volunteer, activity, date) and unit narrow the queue; it shows a page at a time.
  const needle = state.hoursFilter.trim().toLowerCase();
  const matching = state.waiting.filter(
    e => (!state.hoursOrg || e.org === state.hoursOrg || e.org.startsWith(`${state.hoursOrg}/`)) &&
      (!needle || `${personName(e.user)} ${e.user} ${e.activity} ${e.date}`.toLowerCase().includes(needle)),
  );
  const shown = matching.slice(0, state.hoursShown);
  const all = () => {
    if (shown.every(e => state.chosen.has(key(e)))) shown.forEach(e => state.chosen.delete(key(e)));
    else shown.forEach(e => state.chosen.add(key(e)));
    ctx.refresh();
  };
  const units = [...new Set(state.waiting.map(e => e.org))].sort();
  return html`<section class="card" data-testid="hours-queue">
    <h2>${t("hours_to_approve")} ${count("review", state.waiting.length)}</h2>
    ${!loaded("review") ? nothing : state.waiting.length === 0 ? html`<p>${t("nothing_waiting")}</p>` : html`
      <div class="filters">
        <input type="search" data-testid="hours-search" aria-label=${t("hours_search_hint")} placeholder=${t("hours_search_hint")}
          .value=${live(state.hoursFilter)} @input=${(e: Event) => { state.hoursFilter = (e.target as HTMLInputElement).value; state.hoursShown = PAGE; ctx.refresh(); }} />
        ${units.length > 1
          ? html`<label>${t("export_unit")}<select data-testid="hours-org" @change=${(e: Event) => { state.hoursOrg = (e.target as HTMLSelectElement).value; state.hoursShown = PAGE; ctx.refresh(); }}>
              <option value="" ?selected=${!state.hoursOrg}>${t("all")}</option>
              ${units.map(u => html`<option value=${u} ?selected=${state.hoursOrg === u}>${orgLabel(u, ctx.session.org)}</option>`)}</select></label>`
          : nothing}
      </div>
      <p class="small" data-testid="hours-shown">${shown.length} / ${matching.length}</p>
      <div class="row">
        <button @click=${all}>${t("select_page")}</button>
        <button class="primary" data-testid="approve-selected" @click=${() => decide("approved")}>${t("approve_selected")} (${state.chosen.size})</button>
      </div>
      <div class="row">
        <input placeholder=${t("note")} aria-label=${t("note")} data-testid="hours-note" .value=${live(state.note)} @input=${(e: Event) => { state.note = (e.target as HTMLInputElement).value; }} />
        <button data-testid="send-back-selected" @click=${() => decide("has_issues")}>${t("send_back_selected")}</button>
      </div>
      <ul class="list">${shown.map(e => html`<li data-testid="waiting-entry" data-activity=${e.activity}>
        <label class="check"><input type="checkbox" .checked=${state.chosen.has(key(e))} @change=${() => toggle(e)} />
        <span><b>${e.date}</b> ${personName(e.user)} · ${e.activity} · ${code("cat", e.category)} · ${Math.round(e.minutes / 6) / 10} ${t("hours")}${e.source === "checkin" ? html` · <span data-testid="waiting-entry-checkin">${t("ac_entry_checkin")}</span>` : nothing}
        <small>${orgLabel(e.org, ctx.session.org)}</small></span></label></li>`)}</ul>
      ${matching.length > shown.length
        ? html`<button class="more" data-testid="hours-more" @click=${() => { state.hoursShown += PAGE; ctx.refresh(); }}>${t("show_more")} (${matching.length - shown.length})</button>`
        : nothing}`}
  </section>`;
}

function issues(ctx: Ctx) {
  const households = state.sentBack;
  return html`<section class="card">
    <h2>${t("with_issues")} ${count("review", state.issues.length + households.length)}</h2>
    <ul class="list">
      ${state.issues.map(e => html`<li>${t("volunteer")} ${personName(e.user)} · ${e.date} ${e.activity} <small>${e.review_note ?? ""}</small></li>`)}
      ${households.map(h => html`<li>${h.address} · ${h.head_name} <small>${orgLabel(h.org, ctx.session.org)}</small></li>`)}
    </ul>
  </section>`;
}

interface PlanMember { id: string; name: string; birth_year: number | null; relation: string; id_tail: string }
interface MergePlan { keep: string; merged: string; same: [PlanMember, PlanMember][]; doubtful: [PlanMember, PlanMember][]; added: PlanMember[] }

/** The merge being prepared: which registration to keep, the plan, the doubtful pairs the
 * supervisor confirms are one person. */
let preparing: { dup: number; plan: MergePlan; confirmed: Set<string> } | null = null;

function duplicates(ctx: Ctx) {
  const prepare = async (d: Duplicate, keep: string) => {
    try {
      const plan = await ctx.api.get<MergePlan>(`/api/duplicates/${d.id}/plan?keep=${encodeURIComponent(keep)}`);
      // Pairs under the same name are ticked (a birth year left out on one phone is the usual
      // reason they are doubtful); the supervisor unticks two different people.
      const sameName = (a: PlanMember, b: PlanMember) => a.name.replace(/\s/g, "") === b.name.replace(/\s/g, "");
      const confirmed = new Set(plan.doubtful.filter(([k, o]) => sameName(k, o)).map(([k, o]) => `${k.id}/${o.id}`));
      preparing = { dup: d.id, plan, confirmed };
    } catch {
      ctx.toast(t("needs_network"));
    }
    ctx.refresh();
  };
  const merge = async () => {
    if (!preparing) return;
    const { dup, plan, confirmed } = preparing;
    const same = plan.doubtful.filter(([k, o]) => confirmed.has(`${k.id}/${o.id}`)).map(([k, o]) => [k.id, o.id]);
    await ctx.api.post(`/api/duplicates/${dup}/merge`, { keep: plan.keep, same }).catch(() => ctx.toast(t("error")));
    preparing = null;
    await loadSupervisor(ctx);
  };
  const notDuplicate = async (d: Duplicate) => {
    await ctx.api.post(`/api/duplicates/${d.id}/dismiss`, {}).catch(() => ctx.toast(t("error")));
    await loadSupervisor(ctx);
  };
  const who = (m: PlanMember) => `${m.name}${m.birth_year ? ` (${m.birth_year})` : ""} · ${code("rel", m.relation)}`;
  const side = (d: Duplicate, id: string) => {
    const [address, head, members] = id === d.first_id
      ? [d.first_address, d.first_head, d.first_members]
      : [d.second_address, d.second_head, d.second_members];
    return html`<div class="candidate"><div class="value">${address ?? id}</div>
      <small>${head !== null ? `${head} · ${members ?? 0} ${t("person_count")}` : ""}</small>
      <button class="primary" data-testid="keep-this" @click=${() => prepare(d, id)}>${t("keep_this")}</button></div>`;
  };
  const planView = (p: MergePlan, confirmed: Set<string>) => html`<div class="merge-plan" data-testid="merge-plan">
    <h3>${t("merge_plan")}</h3>
    ${p.same.length ? html`<p>${t("same_person")}</p><ul class="list">${p.same.map(([k, o]) => html`<li>${who(k)} = ${who(o)}</li>`)}</ul>` : nothing}
    ${p.doubtful.length
      ? html`<p>${t("maybe_same_person")}</p><ul class="list">${p.doubtful.map(([k, o]) => {
          const key = `${k.id}/${o.id}`;
          return html`<li><label class="check"><input type="checkbox" data-testid="confirm-same" .checked=${confirmed.has(key)}
            @change=${(e: Event) => { if ((e.target as HTMLInputElement).checked) confirmed.add(key); else confirmed.delete(key); ctx.refresh(); }} />
            ${who(k)} = ${who(o)}</label></li>`;
        })}</ul>`
      : nothing}
    ${p.added.length ? html`<p>${t("added_people")}</p><ul class="list">${p.added.map(m => html`<li>${who(m)}</li>`)}</ul>` : nothing}
    <div class="row"><button class="primary" data-testid="merge-confirm" @click=${merge}>${t("merge_now")}</button>
      <button @click=${() => { preparing = null; ctx.refresh(); }}>${t("cancel")}</button></div>
  </div>`;
  return html`<section class="card" data-testid="duplicates" aria-busy=${busy("duplicates")}>
    <h2>${t("duplicates")} ${count("duplicates", state.duplicates.length)}</h2>
    ${loaded("duplicates") && state.duplicates.length === 0 ? html`<p>${t("no_duplicates")}</p>` : nothing}
    ${state.duplicates.map(d => html`<article class="conflict" data-testid="duplicate"><p>${orgLabel(d.org, ctx.session.org)}</p>
      <div class="side-by-side">${side(d, d.first_id)}${side(d, d.second_id)}</div>
      ${preparing?.dup === d.id ? planView(preparing.plan, preparing.confirmed) : nothing}
      <button data-testid="not-duplicate" @click=${() => notDuplicate(d)}>${t("not_duplicate")}</button></article>`)}
  </section>`;
}

function indicators(ctx: Ctx) {
  const go = (org: string) => {
    state.org = org;
    state.report = null;
    void loadSupervisor(ctx);
    ctx.refresh();
  };
  const reload = () => {
    state.report = null;
    void loadSupervisor(ctx);
    ctx.refresh();
  };
  return indicatorsView(ctx, state.report, state.org, go, reload);
}

function exportsTab(ctx: Ctx) {
  const reload = () => {
    state.report = null;
    void loadSupervisor(ctx);
    ctx.refresh();
  };
  const pickUnit = (org: string) => {
    state.org = org;
    reload();
  };
  return exportsView(ctx, state.org, state.report, pickUnit, reload);
}

export function supervisorView(ctx: Ctx) {
  const tabs: [Tab, Key][] = [["review", "review_queue"], ["households", "ds_households"], ["requests", "requests"], ["duplicates", "duplicates"], ["indicators", "indicators"], ["community", "community_record"], ["exports", "exports"], ["people", "people_tab"], ["activities", "ac_tab"]];
  const pick = (tab: Tab) => {
    state.tab = tab;
    void loadSupervisor(ctx);
    ctx.refresh();
  };
  let body;
  if (state.tab === "review") body = html`${conflictsView(ctx, () => loadSupervisor(ctx), loaded("review"), busy("review"))}${quarantine(ctx)}${hoursQueue(ctx)}${issues(ctx)}`;
  else if (state.tab === "households") body = html`<div aria-busy=${busy("households")}>${householdsView(ctx, () => loadSupervisor(ctx), loaded("households"))}</div>`;
  else if (state.tab === "requests") body = html`<div aria-busy=${busy("requests")}>${requestsTab(ctx, () => { void loadSupervisor(ctx); })}</div>`;
  else if (state.tab === "duplicates") body = duplicates(ctx);
  else if (state.tab === "indicators") body = indicators(ctx);
  else if (state.tab === "community") body = communityEditor(ctx, (org: string) => { state.org = org; void loadSupervisor(ctx); });
  else if (state.tab === "people") body = html`<div aria-busy=${busy("people")}>${peopleView(ctx, () => loadSupervisor(ctx), loaded("people"))}</div>`;
  else if (state.tab === "activities") body = activitiesTab(ctx);
  else body = exportsTab(ctx);
  return html`<nav class="tabs">${tabs.map(([tab, label]) => html`<button class=${state.tab === tab ? "active" : ""} data-testid=${`tab-${tab}`} @click=${() => pick(tab)}>${t(label)}</button>`)}</nav>
    ${listStatus(ctx, state.tab)}
    ${body}`;
}
