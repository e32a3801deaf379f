// Volunteers' star levels and hours (issue #20), a section of the people tab: for a chosen
// year, each community of the caller's unit (its registered volunteers, those who served in
// the year and their approved hours, how many are at each star level; `GET
// /api/volunteers/summary`), and the volunteers themselves with their volunteer number, stars,
// the year's approved hours and all their approved hours (`GET /api/volunteers`), found by name
// or number, a page at a time. Stars follow all approved hours ever (《志愿服务记录办法》).
import { html, nothing } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { hours, type Ctx } from "../../context";
import { orgLabel } from "../../directory";
import { currentLang, t, type Key } from "../../i18n";
import { starsImage } from "../volunteer_stars";
import { colon, fill } from "./shared";

/** A volunteer as `GET /api/volunteers` lists them. */
export interface StandingRow {
  document_id: string;
  org: string;
  user: string;
  name: string;
  registered_on: string | null;
  volunteer_number: string | null;
  approved_hours: number;
  year_hours: number;
  stars: number;
  next_star_hours: number | null;
}

/** A community's year (`GET /api/volunteers/summary`). */
export interface CommunityYear {
  org: string;
  name: string;
  volunteers: number;
  active: number;
  hours: number;
  by_stars: number[];
}

/** Rows the list shows at a time. */
const PAGE = 50;
/** The years offered: this one and the five before. */
const YEARS = 6;

export const standing = {
  year: String(new Date().getFullYear()),
  /** The year the shown lists are of. */
  loadedYear: "",
  list: [] as StandingRow[],
  summary: [] as CommunityYear[],
  failed: false,
  query: "",
  shown: PAGE,
};

/** Loads the year chosen. */
export async function loadStanding(ctx: Ctx): Promise<void> {
  const year = standing.year;
  try {
    const [list, summary] = await Promise.all([
      ctx.api.get<StandingRow[]>(`/api/volunteers?year=${year}`),
      ctx.api.get<CommunityYear[]>(`/api/volunteers/summary?year=${year}`),
    ]);
    // A year chosen meanwhile is loaded by the next call; these are dropped.
    if (year !== standing.year) return;
    Object.assign(standing, { list, summary, loadedYear: year, failed: false });
  } catch {
    standing.failed = true;
  }
}

const separator = () => (currentLang() === "zh" ? "、" : ", ");

/** How many volunteers are at each star level, in words: "一星级 3、二星级 1", or "—"; each
 * level kept on one line. */
function byStars(counts: number[]) {
  const parts = counts.slice(1).flatMap((n, i) => (n > 0 ? [`${t(`rk_level_${i + 1}` as Key)} ${n}`] : []));
  if (!parts.length) return "—";
  return parts.map((p, i) => html`${i ? separator() : ""}<span class="level">${p}</span>`);
}

/** A column's name as a cell says it on a phone, where the table is a list (style.css). */
const label = (key: Key) => `${t(key)}${colon()}`;

function summaryTable(ctx: Ctx) {
  const rows = standing.summary;
  if (rows.length === 0) return html`<p data-testid="standing-summary-none">${t("rk_summary_none")}</p>`;
  const total = rows.reduce(
    (s, r) => ({
      volunteers: s.volunteers + r.volunteers,
      active: s.active + r.active,
      hours: s.hours + r.hours,
      by_stars: s.by_stars.map((n, i) => n + (r.by_stars[i] ?? 0)),
    }),
    { volunteers: 0, active: 0, hours: 0, by_stars: [0, 0, 0, 0, 0, 0] },
  );
  return html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="standing-summary-title"><table class="standing-summary" data-testid="standing-summary">
    <thead><tr>
      <th scope="col">${t("rk_col_community")}</th><th scope="col" class="num">${t("rk_col_volunteers")}</th>
      <th scope="col" class="num">${t("rk_col_active")}</th><th scope="col" class="num">${t("rk_col_hours")}</th>
      <th scope="col">${t("rk_col_stars")}</th>
    </tr></thead>
    <tbody>${rows.map(r => html`<tr data-testid="standing-community" data-org=${r.org}>
      <th scope="row" data-testid="standing-community-name">${r.name || orgLabel(r.org, ctx.session.org) || orgLabel(r.org)}</th>
      <td class="num" data-label=${label("rk_col_volunteers")} data-testid="standing-community-volunteers">${r.volunteers}</td>
      <td class="num" data-label=${label("rk_col_active")} data-testid="standing-community-active">${r.active}</td>
      <td class="num" data-label=${label("rk_col_hours")} data-testid="standing-community-hours">${hours(r.hours, false)}</td>
      <td data-label=${label("rk_col_stars")} data-testid="standing-community-stars">${byStars(r.by_stars)}</td>
    </tr>`)}</tbody>
    ${rows.length > 1
      ? html`<tfoot><tr data-testid="standing-total"><th scope="row">${t("rk_col_total")}</th>
          <td class="num" data-label=${label("rk_col_volunteers")}>${total.volunteers}</td>
          <td class="num" data-label=${label("rk_col_active")}>${total.active}</td>
          <td class="num" data-label=${label("rk_col_hours")}>${hours(total.hours, false)}</td>
          <td data-label=${label("rk_col_stars")}>${byStars(total.by_stars)}</td></tr></tfoot>`
      : nothing}
  </table></div>`;
}

function volunteerItem(ctx: Ctx, v: StandingRow) {
  const year = standing.loadedYear;
  return html`<li data-testid="standing-row" data-user=${v.user} data-stars=${v.stars}>
    <div class="line">
      <b data-testid="standing-name">${v.name || v.user}</b>
      <span>${starsImage(v.stars, "standing-stars")}</span>
    </div>
    <div class="small">
      <span class="number" data-testid="standing-number">${v.volunteer_number ?? t("rk_no_number")}</span> ·
      <span data-testid="standing-community-of">${orgLabel(v.org, ctx.session.org) || orgLabel(v.org)}</span>
    </div>
    <div class="small">
      <span data-testid="standing-year">${fill(t("rk_year_hours"), { year, hours: hours(v.year_hours, false) })}</span> ·
      <span data-testid="standing-total-hours">${fill(t("rk_all_hours"), { hours: hours(v.approved_hours, false) })}</span>
    </div>
  </li>`;
}

/** The section: the year, the communities' summary, the volunteers. */
export function standingSection(ctx: Ctx, reload: () => Promise<void>) {
  const thisYear = new Date().getFullYear();
  const years = Array.from({ length: YEARS }, (_, i) => String(thisYear - i));
  const loaded = standing.loadedYear === standing.year;
  const pick = (e: Event) => {
    standing.year = (e.target as HTMLSelectElement).value;
    standing.shown = PAGE;
    ctx.refresh();
    void reload().then(() => ctx.refresh());
  };
  const needle = standing.query.trim().toLowerCase();
  const matching = standing.list.filter(v => !needle || `${v.name} ${v.volunteer_number ?? ""} ${v.user}`.toLowerCase().includes(needle));
  const shown = matching.slice(0, standing.shown);
  return html`<section class="card standing" data-testid="standing" data-loaded=${String(loaded)} data-year=${standing.loadedYear} aria-busy=${String(!loaded)}>
      <div class="row spread">
        <h2 id="standing-summary-title">${fill(t("rk_summary_title"), { year: standing.year })}</h2>
        <label class="inline">${t("rk_year_pick")}<select data-testid="standing-year-pick" @change=${pick}>
          ${years.map(y => html`<option value=${y} ?selected=${y === standing.year}>${y}</option>`)}
        </select></label>
      </div>
      ${standing.failed ? html`<p class="error" role="alert" data-testid="standing-failed">${t("rk_list_failed")}</p>` : nothing}
      ${loaded ? summaryTable(ctx) : standing.failed ? nothing : html`<p class="loading" role="status">${t("list_loading")}</p>`}
      <p class="small">${t("rk_rule")}</p>
    </section>
    <section class="card standing" data-testid="standing-list">
      <h2>${t("rk_list_title")} <span class="count" data-testid="standing-count">${loaded ? standing.list.length : "…"}</span></h2>
      <div class="filters">
        <input type="search" data-testid="standing-search" aria-label=${t("rk_search")} placeholder=${t("rk_search")}
          .value=${live(standing.query)} @input=${(e: Event) => { standing.query = (e.target as HTMLInputElement).value; standing.shown = PAGE; ctx.refresh(); }} />
      </div>
      ${loaded && matching.length === 0 ? html`<p data-testid="standing-none">${t("rk_list_none")}</p>` : nothing}
      ${loaded && matching.length > 0 ? html`<p class="small" data-testid="standing-shown">${fill(t("rk_shown"), { shown: shown.length, all: matching.length })}</p>` : nothing}
      <ul class="list">${loaded ? shown.map(v => volunteerItem(ctx, v)) : nothing}</ul>
      ${loaded && matching.length > shown.length
        ? html`<button class="more" data-testid="standing-more" @click=${() => { standing.shown += PAGE; ctx.refresh(); }}>${t("show_more")} (${matching.length - shown.length})</button>`
        : nothing}
    </section>`;
}
