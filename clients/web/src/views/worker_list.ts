// The grid's households on the worker's first screen, with one search box (a name, an address, the last digits of a phone) and chips by tag and
// for the households due a visit. A grid holds up to 2,000 households on a cheap phone:
// each is summarised once per version of its document (household_index.ts), the search
// runs over the summaries, and only a page of rows is drawn.
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import type { Ctx } from "../context";
import { code, t } from "../i18n";
import { today, type Household } from "../records";
import { HOUSEHOLD_TAGS, ZERO_EMPLOYMENT } from "../tags";
import { HouseholdIndex, isDue, type Summary } from "../household_index";
import { nav } from "./worker_nav";

/** Rows drawn at first, and added by each "show more". */
const PAGE = 50;
/** The chips, in the order shown: the tags a worker sets, the derived one (a tag no
 * household carries has no chip, unless it is on). */
const CHIPS: string[] = [...HOUSEHOLD_TAGS, ZERO_EMPLOYMENT];

const index = new HouseholdIndex();
/** The search, kept while the worker opens a household and comes back. */
const search = { text: "", tags: [] as string[], due: false, shown: PAGE };

function open(ctx: Ctx, s: Summary) {
  nav.selected = s.id;
  ctx.refresh();
}

/** The grid's households summarised for this render (the one index the first screen's
 * sections share; cheap when no document changed). */
export function householdIndex(ctx: Ctx, households: DocHandle<Household>[], rules: Record<string, number>): HouseholdIndex {
  index.update(households, ctx.sync, today(), rules);
  return index;
}

function chip(ctx: Ctx, tag: string, on: boolean, count: number, toggle: () => void) {
  return html`<button class="chip ${on ? "on" : ""}" data-testid="chip" data-tag=${tag} aria-pressed=${on ? "true" : "false"}
    @click=${() => { toggle(); search.shown = PAGE; ctx.refresh(); }}>${tag === "due" ? t("filter_due") : code("tag", tag)} <small>${count}</small></button>`;
}

function row(ctx: Ctx, s: Summary) {
  return html`<li data-testid="household" data-address=${s.address}><button class="row-link" @click=${() => open(ctx, s)}>
    <b>${s.address}</b> <span>${s.head} · ${s.residents} ${t("person_count")}</span>
    <small>${s.lastVisit ? `${t("last_visit")} ${s.lastVisit}` : t("not_visited")}</small>
    ${s.sentBack ? html`<span class="badge has_issues">${t("sent_back")}</span>` : nothing}
    ${isDue(s) ? html`<span class="badge open">${t("filter_due")}</span>` : nothing}
    ${s.tags.length ? html`<span class="tags">${s.tags.map(tag => html`<span class="badge">${code("tag", tag)}</span>`)}</span>` : nothing}
  </button></li>`;
}

/** The grid's households with the search; `rules` are the community's follow-up rules
 * (days between visits per tag, and `default`), which decide who is due. */
export function householdList(ctx: Ctx, households: DocHandle<Household>[], rules: Record<string, number>) {
  index.update(households, ctx.sync, today(), rules);
  const query = { text: search.text, tags: search.tags, due: search.due };
  const filtering = query.text.trim() !== "" || query.tags.length > 0 || query.due;
  const found = index.search(query);
  const shown = found.slice(0, search.shown);
  const counts = index.counts();
  const typed = (e: Event) => {
    // Wait for the word while an input method composes it (pinyin letters are not the word).
    if ((e as InputEvent).isComposing) return;
    search.text = (e.target as HTMLInputElement).value;
    search.shown = PAGE;
    ctx.refresh();
  };
  const clear = () => {
    search.text = "";
    search.tags = [];
    search.due = false;
    search.shown = PAGE;
    ctx.refresh();
  };
  const toggleTag = (tag: string) => () => {
    search.tags = search.tags.includes(tag) ? search.tags.filter(x => x !== tag) : [...search.tags, tag];
  };
  return html`<section class="card">
    <div class="row spread"><h2>${t("households")} <span class="count" data-testid="household-total" data-count=${households.length}>${households.length}</span></h2>
    <button class="primary" data-testid="new-household" @click=${() => { nav.registering = true; ctx.refresh(); }}>${t("register_household")}</button></div>
    ${households.length === 0 ? html`<p>${t("no_households")}</p>` : nothing}
    <div class="finder" role="search">
      <input type="search" data-testid="search" aria-label=${t("find_household")} placeholder=${t("search_hint")}
        enterkeyhint="search" autocomplete="off" .value=${search.text} @input=${typed} @compositionend=${typed} />
      <div class="chips" role="group" aria-label=${t("filter_tags")}>
        ${chip(ctx, "due", search.due, counts.get("due") ?? 0, () => { search.due = !search.due; })}
        ${CHIPS.filter(tag => counts.has(tag) || search.tags.includes(tag)).map(tag =>
          chip(ctx, tag, search.tags.includes(tag), counts.get(tag) ?? 0, toggleTag(tag)))}
      </div>
      <p class="row spread found" ?hidden=${!filtering} data-testid="match-count" data-count=${found.length} data-text=${search.text}
        data-chips=${[...(search.due ? ["due"] : []), ...search.tags].join(",")}>
        <span>${filtering ? html`${t("found")} <b>${found.length}</b> ${t("hh_unit")}` : nothing}</span>
        ${filtering ? html`<button class="link" data-testid="clear-search" @click=${clear}>${t("clear_filters")}</button>` : nothing}
      </p>
    </div>
    ${filtering && found.length === 0 ? html`<p>${t("no_matches")}</p>` : nothing}
    <ul class="list households" data-testid="household-list" data-shown=${shown.length}>${shown.map(s => row(ctx, s))}</ul>
    ${found.length > shown.length
      ? html`<button class="more" data-testid="show-more" @click=${() => { search.shown += PAGE; ctx.refresh(); }}>
          ${t("show_more")} · ${t("n_left").replace("{n}", String(found.length - shown.length))}</button>`
      : nothing}
  </section>`;
}
