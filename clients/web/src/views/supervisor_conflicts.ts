// The supervisor's review items: concurrent edits of a reviewed field side by side, unlikely
// values flagged on arrival, members removed while edited. Each card names the field, the
// record (address and head, or the volunteer), the unit, the value now and who wrote which
// value on which device. The list is filtered by status and unit and paged, with the total.
import { html, nothing } from "lit-html";
import { type Ctx, when } from "../context";
import { deviceName, orgLabel, personName, unitsUnder } from "../directory";
import { fieldLabel } from "../field_words";
import { code, t, type Key } from "../i18n";

interface Candidate { value: unknown; user: string | null; device: string | null; time: number }
interface RecordLabel { address: string | null; head_name: string | null; volunteer_name: string | null }
export interface Conflict {
  id: number;
  item: "conflict" | "implausible" | "removed_edited";
  document_id: string;
  kind: string;
  org: string;
  path: string;
  status: string;
  candidates: Candidate[];
  current: Candidate[];
  version: string;
  note: string | null;
  resolved_by: string | null;
  resolution: unknown;
  record: RecordLabel;
}

/** Items a page shows. */
const PAGE = 20;
/** The statuses an item can have; only open ones can be settled. */
const STATUSES = ["open", "resolved", "accepted", "superseded"];

export const conflictList = {
  rows: [] as Conflict[],
  total: 0,
  offset: 0,
  filter: { status: "open", org: "" },
  /** Why the last resolution was not written (the field changed since it was shown). */
  stale: "" as "" | Key,
};

/** Loads the page of items the filters pick. */
export async function loadConflicts(ctx: Ctx): Promise<void> {
  const c = conflictList;
  const params = new URLSearchParams({ status: c.filter.status, limit: String(PAGE), offset: String(c.offset) });
  if (c.filter.org) params.set("org", c.filter.org);
  const response = await ctx.api.fetch(`/api/conflicts?${params}`);
  c.rows = (await response.json()) as Conflict[];
  c.total = Number(response.headers.get("x-total-count") ?? c.rows.length);
}

/** An item's note: a code the app words (`date_in_future`), optionally followed by details
 * (`removed_while_edited: phone`). */
export function noteText(note: string): string {
  const [head, ...rest] = note.split(": ");
  return rest.length ? `${code("why", head)}: ${rest.join(": ")}` : code("why", note);
}

export function showValue(v: unknown): string {
  if (v === null || v === undefined) return "—";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The record an item belongs to, as a person finds it. */
function recordLine(r: RecordLabel) {
  if (r.address) {
    return html`<p data-testid="conflict-record">${t("record_of")}: <b>${r.address}</b>${r.head_name ? html` · ${t("head_name")} ${r.head_name}` : nothing}</p>`;
  }
  if (r.volunteer_name) return html`<p data-testid="conflict-record">${t("record_of")}: <b>${r.volunteer_name}</b></p>`;
  return nothing;
}

/** The review items card. `reload` fetches the lists again; `loaded` says whether they have
 * arrived (else the count is "…"); `busy` is the section's aria-busy. */
export function conflictsView(ctx: Ctx, reload: () => Promise<void>, loaded: boolean, busy: string) {
  const c = conflictList;
  const resolve = async (item: Conflict, value: unknown) => {
    try {
      await ctx.api.post(`/api/conflicts/${item.id}/resolve`, { value, version: item.version });
      c.stale = "";
    } catch (e) {
      // 409: the field changed after this card was shown; nothing was written.
      c.stale = (e as { status?: number }).status === 409 ? "conflict_changed" : "error";
    }
    await reload();
  };
  const accept = async (item: Conflict) => {
    await ctx.api.post(`/api/conflicts/${item.id}/accept`, { note: "" }).catch(() => ctx.toast(t("error")));
    await reload();
  };
  const typed = (item: Conflict) => (e: SubmitEvent) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem("value") as HTMLInputElement;
    if (input.value) void resolve(item, input.value);
  };
  const setFilter = (key: keyof typeof c.filter) => (e: Event) => {
    c.filter[key] = (e.target as HTMLSelectElement).value;
    c.offset = 0;
    void reload();
  };
  const page = (delta: number) => {
    c.offset = Math.max(0, c.offset + delta * PAGE);
    void reload();
  };
  const who = (v: Candidate) =>
    html`<small>${t("by_who")} <span data-testid="candidate-author">${personName(v.user)}</span> (<span data-testid="candidate-device">${deviceName(v.device)}</span>) · ${v.time ? when(v.time * 1000) : "—"}</small>`;
  const open = c.filter.status === "open";
  const units = unitsUnder(ctx.session.org).filter(u => u.path !== ctx.session.org);
  const from = c.total === 0 ? 0 : c.offset + 1;
  const to = c.offset + c.rows.length;
  const card = (item: Conflict) => html`<article class="conflict" data-testid="conflict" data-path=${item.path} data-item=${item.item} data-status=${item.status}>
    <p><b>${code("item", item.item)}</b> · ${code("kind", item.kind)} · <span data-testid="conflict-unit">${orgLabel(item.org, ctx.session.org)}</span> · ${t("field")} <b data-testid="conflict-field">${fieldLabel(item.path)}</b></p>
    ${recordLine(item.record)}
    ${item.note ? html`<p class="note" data-testid="item-note">${noteText(item.note)}</p>` : nothing}
    ${item.item === "conflict" && item.current.length > 0
      ? html`<p data-testid="current-value">${t("current_value")}: <b>${item.current.map(v => showValue(v.value)).join(" / ")}</b></p>`
      : nothing}
    ${!open
      ? html`<p data-testid="item-outcome"><span class="badge">${code("cst", item.status)}</span>
          ${item.resolution !== null && item.resolution !== undefined ? html` ${t("settled_as")} <b>${showValue(item.resolution)}</b>` : nothing}
          ${item.resolved_by ? html` · ${personName(item.resolved_by)}` : nothing}</p>`
      : nothing}
    <div class="side-by-side">${item.candidates.map(
      (v, i) => html`<div class="candidate" data-testid="candidate">
        <div class="value">${showValue(v.value)}</div>
        ${who(v)}
        ${!open
          ? nothing
          : item.item === "implausible"
            ? html`<button class="primary" data-testid="accept-flag" @click=${() => accept(item)}>${t("value_is_right")}</button>`
            : html`<button class="primary" data-testid=${`choose-${i}`} @click=${() => resolve(item, v.value)}>${t(item.item === "removed_edited" ? "keep_removed" : "choose")}</button>`}
      </div>`,
    )}</div>
    ${open && item.item === "removed_edited"
      ? html`<button data-testid="restore-member" @click=${() => resolve(item, "")}>${t("restore_member")}</button>`
      : nothing}
    ${open
      ? html`<form class="row" @submit=${typed(item)}><input name="value" placeholder=${t("type_value")} aria-label=${t("type_value")} /><button type="submit">${t("use_typed")}</button></form>`
      : nothing}
  </article>`;
  return html`<section class="card" data-testid="conflicts" aria-busy=${busy} data-total=${c.total}>
    <h2>${t("conflicts")} <span class="count">${loaded ? c.total : "…"}</span></h2>
    <div class="filters">
      <label>${t("status")}<select data-testid="conflict-filter-status" @change=${setFilter("status")}>
        ${STATUSES.map(s => html`<option value=${s} ?selected=${c.filter.status === s}>${code("cst", s)}</option>`)}</select></label>
      ${units.length > 0
        ? html`<label>${t("export_unit")}<select data-testid="conflict-filter-org" @change=${setFilter("org")}>
            <option value="" ?selected=${!c.filter.org}>${t("all")}</option>
            ${units.map(u => html`<option value=${u.path} ?selected=${c.filter.org === u.path}>${orgLabel(u.path, ctx.session.org)}</option>`)}</select></label>`
        : nothing}
    </div>
    ${c.stale ? html`<p class="warning" data-testid="conflict-stale">${t(c.stale)}</p>` : nothing}
    ${loaded && c.total === 0 ? html`<p data-testid="no-conflicts">${open ? t("no_conflicts") : t("no_items")}</p>` : nothing}
    ${c.rows.map(card)}
    ${c.total > PAGE
      ? html`<div class="row spread">
          <button data-testid="conflict-prev" ?disabled=${c.offset === 0} @click=${() => page(-1)}>${t("previous_page")}</button>
          <span data-testid="conflict-page">${from}–${to} / ${c.total}</span>
          <button data-testid="conflict-next" ?disabled=${to >= c.total} @click=${() => page(1)}>${t("next_page")}</button>
        </div>`
      : nothing}
  </section>`;
}
