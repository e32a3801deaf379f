// The supervisor's households: search (address, head's or any resident's name), filters
// (review state, unit, tag, not visited since), pages of 50 with the total, a household's
// members and visits opened before approving it, several approved at once, a send-back
// note that belongs to the household it is written for, a household moved to another grid
// (household_move.ts), and a community's register imported above the list
// (supervisor_register.ts).
import { html, nothing } from "lit-html";
import { live } from "lit-html/directives/live.js";
import type { DocumentId } from "@automerge/automerge-repo/slim";
import { type Ctx } from "../context";
import { code, t } from "../i18n";
import { orgLabel, unitsUnder } from "../directory";
import { HOUSEHOLD_TAGS } from "../tags";
import { plain } from "../sync";
import { residentsOf, type Household, type Member } from "../records";
import { visitItem } from "./worker_visits";
import { mayMove, moveButton, moveForm } from "./household_move";
import { registerSection } from "./supervisor_register";

export interface HouseholdRow { document_id: string; org: string; address: string; head_name: string; review_status: string | null; member_count: number; tags: string }

const PAGE = 50;

export const households = {
  rows: [] as HouseholdRow[],
  total: 0,
  offset: 0,
  filter: { q: "", review: "", org: "", tag: "", not_visited_since: "" },
  chosen: new Set<string>(),
  /** Each household's own send-back note, and the one whose note box is open. */
  notes: new Map<string, string>(),
  sendingBack: "",
  /** The household whose members and visits are open. */
  open: "",
};

/** Loads the page of households the filters pick. */
export async function loadHouseholds(ctx: Ctx): Promise<void> {
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(households.offset) });
  for (const [k, v] of Object.entries(households.filter)) if (v) params.set(k, v);
  const response = await ctx.api.fetch(`/api/households?${params}`);
  households.rows = (await response.json()) as HouseholdRow[];
  households.total = Number(response.headers.get("x-total-count") ?? households.rows.length);
}

/** The households tab; `reload` fetches the page again, `loaded` says whether it has arrived. */
export function householdsView(ctx: Ctx, reload: () => Promise<void>, loaded: boolean) {
  const h = households;
  const refilter = () => {
    h.offset = 0;
    h.chosen.clear();
    void reload();
  };
  const setFilter = (key: keyof typeof h.filter) => (e: Event) => {
    h.filter[key] = (e.target as HTMLInputElement).value;
    refilter();
  };
  let typing: ReturnType<typeof setTimeout> | undefined;
  const typed = (e: Event) => {
    h.filter.q = (e.target as HTMLInputElement).value;
    clearTimeout(typing);
    typing = setTimeout(refilter, 300);
  };
  const review = async (ids: string[], status: "approved" | "has_issues", note = "") => {
    if (status === "has_issues" && !note.trim()) {
      ctx.toast(t("note_required"));
      return;
    }
    try {
      await ctx.api.post("/api/review/households", { document_ids: ids, status, note: note.trim() });
      for (const id of ids) {
        h.notes.delete(id);
        h.chosen.delete(id);
      }
      if (ids.includes(h.sendingBack)) h.sendingBack = "";
    } catch {
      ctx.toast(t("needs_network"));
    }
    await reload();
  };
  const toggle = (id: string) => {
    if (h.chosen.has(id)) h.chosen.delete(id);
    else h.chosen.add(id);
    ctx.refresh();
  };
  const allOnPage = () => {
    const ids = h.rows.map(r => r.document_id);
    if (ids.every(id => h.chosen.has(id))) ids.forEach(id => h.chosen.delete(id));
    else ids.forEach(id => h.chosen.add(id));
    ctx.refresh();
  };
  const page = (delta: number) => {
    h.offset = Math.max(0, h.offset + delta * PAGE);
    void reload();
  };
  const units = unitsUnder(ctx.session.org).filter(u => u.path !== ctx.session.org);
  const from = h.total === 0 ? 0 : h.offset + 1;
  const to = h.offset + h.rows.length;
  return html`${registerSection(ctx, reload)}<section class="card" data-testid="household-list" data-total=${h.total}>
    <h2>${t("ds_households")} <span class="count" data-testid="household-total">${loaded ? h.total : "…"}</span></h2>
    <div class="filters" data-testid="household-filters">
      <input type="search" data-testid="sv-search" aria-label=${t("find_household")} placeholder=${t("sv_search_hint")} .value=${live(h.filter.q)} @input=${typed} />
      <label>${t("status")}<select data-testid="sv-filter-review" @change=${setFilter("review")}>
        ${["", "waiting", "has_issues", "approved"].map(s => html`<option value=${s} ?selected=${h.filter.review === s}>${s ? code("review", s) : t("all")}</option>`)}
      </select></label>
      <label>${t("export_unit")}<select data-testid="sv-filter-org" @change=${setFilter("org")}>
        <option value="" ?selected=${!h.filter.org}>${t("all")}</option>
        ${units.map(u => html`<option value=${u.path} ?selected=${h.filter.org === u.path}>${orgLabel(u.path, ctx.session.org)}</option>`)}
      </select></label>
      <label>${t("tags")}<select data-testid="sv-filter-tag" @change=${setFilter("tag")}>
        <option value="" ?selected=${!h.filter.tag}>${t("all")}</option>
        ${HOUSEHOLD_TAGS.map(tag => html`<option value=${tag} ?selected=${h.filter.tag === tag}>${code("tag", tag)}</option>`)}
      </select></label>
      <label>${t("not_visited_since")}<input type="date" data-testid="sv-filter-visited" .value=${live(h.filter.not_visited_since)} @change=${setFilter("not_visited_since")} /></label>
    </div>
    <div class="row spread">
      <span data-testid="sv-page">${loaded ? `${from}–${to} / ${h.total}` : ""}</span>
      <span class="row">
        <button data-testid="sv-select-page" @click=${allOnPage}>${t("select_page")}</button>
        <button class="primary" data-testid="approve-chosen" ?disabled=${h.chosen.size === 0}
          @click=${() => review([...h.chosen], "approved")}>${t("approve_selected")} (${h.chosen.size})</button>
      </span>
    </div>
    <ul class="list">${h.rows.map(r => row(ctx, r, review, toggle, reload))}</ul>
    <div class="row spread">
      <button data-testid="sv-prev" ?disabled=${h.offset === 0} @click=${() => page(-1)}>${t("previous_page")}</button>
      <button data-testid="sv-next" ?disabled=${to >= h.total} @click=${() => page(1)}>${t("next_page")}</button>
    </div>
  </section>`;
}

function row(
  ctx: Ctx,
  r: HouseholdRow,
  review: (ids: string[], status: "approved" | "has_issues", note?: string) => Promise<void>,
  toggle: (id: string) => void,
  reload: () => Promise<void>,
) {
  const h = households;
  const id = r.document_id;
  const sendBackForm = html`<form class="row" data-testid="send-back-form"
      @submit=${(e: SubmitEvent) => { e.preventDefault(); void review([id], "has_issues", h.notes.get(id) ?? ""); }}>
      <input name="note" data-testid="send-back-note" placeholder=${t("note_for_item")} aria-label=${t("note_for_item")}
        .value=${live(h.notes.get(id) ?? "")} @input=${(e: Event) => h.notes.set(id, (e.target as HTMLInputElement).value)} />
      <button type="submit" data-testid="send-back-confirm">${t("send_back_confirm")}</button></form>`;
  const openDetails = async () => {
    h.open = h.open === id ? "" : id;
    if (h.open) await ctx.sync.open(id as DocumentId);
    ctx.refresh();
  };
  return html`<li data-testid="sv-household" data-address=${r.address} data-id=${id}>
    <div class="row spread">
      <label class="check"><input type="checkbox" data-testid="choose-household" aria-label=${`${t("select_row")} ${r.address}`}
        .checked=${h.chosen.has(id)} @change=${() => toggle(id)} />
        <span><b>${r.address}</b> · ${r.head_name} · ${r.member_count} ${t("person_count")} <small>${orgLabel(r.org, ctx.session.org)}</small></span></label>
      <span class="row">
        ${r.review_status ? html`<span class="badge ${r.review_status}">${code("review", r.review_status)}</span>` : nothing}
        <button data-testid="show-details" aria-expanded=${String(h.open === id)} @click=${openDetails}>${t("details")}</button>
        <button data-testid="approve-household" @click=${() => review([id], "approved")}>${t("approve_household")}</button>
        <button data-testid="send-back-household" @click=${() => { h.sendingBack = h.sendingBack === id ? "" : id; ctx.refresh(); }}>${t("send_back")}</button>
        ${mayMove(ctx) ? moveButton(ctx, id) : nothing}
      </span>
    </div>
    ${r.tags ? html`<div>${r.tags.split(",").map(tag => html`<span class="badge">${code("tag", tag)}</span>`)}</div>` : nothing}
    ${h.sendingBack === id ? sendBackForm : nothing}
    ${mayMove(ctx) ? moveForm(ctx, r, reload) : nothing}
    ${h.open === id ? details(ctx, id) : nothing}
  </li>`;
}

function memberLine(m: Member) {
  return html`<li data-testid="sv-member"><b>${m.name}</b> · ${code("rel", m.relation)}${m.birth_year ? ` · ${m.birth_year}` : ""}${m.gender ? ` · ${m.gender}` : ""}
    ${m.employment ? html` · ${code("emp", m.employment)}` : nothing}
    ${m.health_record ? html` · ${t("health_record")}` : nothing}
    ${m.disability?.kind ? html` · ${t("disability")} ${code("dis", m.disability.kind)}` : nothing}</li>`;
}

/** The household's members and visits, from its document (opened on demand). */
function details(ctx: Ctx, id: string) {
  const handle = ctx.sync.open_handles<Household>().find(x => x.documentId === id && x.isReady());
  if (!handle) return html`<p class="loading" role="status">${t("loading")}</p>`;
  const d = plain(handle.doc());
  const visits = [...(d.visits ?? [])].sort((a, b) => b.at.localeCompare(a.at));
  return html`<div class="details" data-testid="sv-details">
    <h3>${t("members")}</h3>
    <ul class="list small" data-testid="sv-members">${residentsOf(d).map(memberLine)}</ul>
    <h3>${t("visits")}</h3>
    ${visits.length ? html`<ul class="list small" data-testid="sv-visits">${visits.map(visitItem)}</ul>` : html`<p>${t("not_visited")}</p>`}
  </div>`;
}
