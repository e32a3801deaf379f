// The volunteer's star level on their home screen (issue #20; 《志愿服务记录办法》: 100, 300,
// 600, 1,000 and 1,500 approved hours make one to five stars): their stars, their approved
// hours in all and this year, and how many more hours make the next star, from
// `GET /api/volunteers/hours`. The last answer is kept on the device, so the card shows offline
// too, saying when it was fetched; it is asked again every minute while online. A volunteer
// with no record yet (404) sees nothing; being offline is never an error.
import { html, nothing } from "lit-html";
import { AuthError } from "../auth";
import { hours, when, type Ctx } from "../context";
import { t, type Key } from "../i18n";
import { fill } from "./people/shared";

/** What `GET /api/volunteers/hours` answers (the fields shown). */
export interface Standing {
  name: string;
  volunteer_number: string | null;
  approved_hours: number;
  year_hours: number;
  stars: number;
  next_star_hours: number | null;
}

interface Kept {
  user: string;
  year: string;
  fetchedAt: number;
  standing: Standing;
}

const KEY = "linli.standing";
/** How often it is asked again while on screen and online. */
const REFRESH_MS = 60_000;
/** The hours each star level begins at (index: stars). */
export const STAR_HOURS = [0, 100, 300, 600, 1000, 1500];

let kept: Kept | null = read();
let loading = false;
let askedAt = 0;
/** The last ask failed (offline, or the server unreachable). */
let failed = false;
/** The server has no record of this volunteer (404). */
let none = false;

function read(): Kept | null {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? "null") as Kept | null;
  } catch {
    return null;
  }
}

/** Forgets the kept standing (on sign-out). */
export function forgetStanding(): void {
  clearTimeout(timer);
  kept = null;
  localStorage.removeItem(KEY);
}

const thisYear = () => String(new Date().getFullYear());

/** The next ask, due whether or not the screen is drawn again meanwhile. */
let timer: ReturnType<typeof setTimeout> | undefined;

async function load(ctx: Ctx): Promise<void> {
  clearTimeout(timer);
  loading = true;
  askedAt = Date.now();
  const year = thisYear();
  try {
    const s = await ctx.api.get<Standing>(`/api/volunteers/hours?year=${year}`);
    kept = {
      user: ctx.session.user,
      year,
      fetchedAt: Date.now(),
      standing: {
        name: s.name,
        volunteer_number: s.volunteer_number,
        approved_hours: s.approved_hours,
        year_hours: s.year_hours,
        stars: s.stars,
        next_star_hours: s.next_star_hours,
      },
    };
    localStorage.setItem(KEY, JSON.stringify(kept));
    failed = false;
    none = false;
  } catch (e) {
    if (e instanceof AuthError && (e.status === 404 || e.status === 403)) {
      forgetStanding();
      none = true;
      failed = false;
    } else failed = true;
  } finally {
    loading = false;
    timer = setTimeout(() => {
      if (!loading && navigator.onLine) void load(ctx);
    }, REFRESH_MS);
    ctx.refresh();
  }
}

/** Five stars, those earned filled: ★★☆☆☆. */
export function starGlyphs(n: number): string {
  const k = Math.max(0, Math.min(5, Math.round(n)));
  return "★".repeat(k) + "☆".repeat(5 - k);
}

/** The stars as a picture with its words for a screen reader. */
export function starsImage(n: number, testid = "star-glyphs") {
  return html`<span class="star-glyphs" role="img" data-testid=${testid} aria-label=${fill(t("rk_of_five"), { n })}>${starGlyphs(n)}</span>`;
}

/** The level's words: "一星级志愿者", "尚未评星". */
export const levelWords = (n: number) => t(`rk_stars_${Math.max(0, Math.min(5, n))}` as Key);

/** The card on the volunteer's home screen, or nothing. */
export function starsCard(ctx: Ctx) {
  if (!loading && navigator.onLine && Date.now() - askedAt > (askedAt ? REFRESH_MS : 0)) void load(ctx);
  const mine = kept?.user === ctx.session.user ? kept : null;
  if (!mine) {
    if (none) return nothing;
    if (failed) return html`<section class="card stars" data-testid="stars"><h2>${t("rk_title")}</h2><p class="small" data-testid="stars-failed">${t("rk_failed")}</p></section>`;
    if (loading) return html`<section class="card stars" data-testid="stars"><h2>${t("rk_title")}</h2><p class="loading" role="status">${t("rk_loading")}</p></section>`;
    return nothing;
  }
  const s = mine.standing;
  const next = s.next_star_hours;
  const from = STAR_HOURS[Math.max(0, Math.min(5, s.stars))];
  const toGo = next === null ? 0 : Math.max(0, Math.ceil((next - s.approved_hours) * 10) / 10);
  const stale = failed || !navigator.onLine;
  return html`<section class="card stars" data-testid="stars" data-stars=${s.stars}>
    <h2>${t("rk_title")}</h2>
    <p class="star-line">${starsImage(s.stars)} <b data-testid="star-level">${levelWords(s.stars)}</b></p>
    <div class="figures">
      <div><b data-testid="stars-total">${hours(s.approved_hours, false)}</b><span>${t("rk_total")}</span></div>
      <div><b data-testid="stars-year">${hours(s.year_hours, false)}</b><span>${fill(t("rk_year"), { year: mine.year })}</span></div>
    </div>
    ${next === null
      ? html`<p data-testid="stars-next">${t("rk_top")}</p>`
      : html`<p data-testid="stars-next">${fill(t("rk_next"), { hours: hours(toGo, false), level: t(`rk_level_${s.stars + 1}` as Key), at: next })}</p>
        <progress class="star-progress" data-testid="stars-progress" max=${next - from} .value=${Math.max(0, s.approved_hours - from)}
          aria-label=${fill(t("rk_next"), { hours: hours(toGo, false), level: t(`rk_level_${s.stars + 1}` as Key), at: next })}></progress>`}
    <p class="small ${stale ? "stale" : ""}" data-testid="stars-fetched" data-stale=${String(stale)}>${fill(t(stale ? "rk_offline" : "rk_fetched"), { when: when(mine.fetchedAt) })}</p>
    <p class="small">${t("rk_rule")}</p>
  </section>`;
}
