// A community's own record, kept by its supervisors: the stated resident total, village or
// not, the six facilities the policy lists, civil organisations and whether each is
// registered, the date it was recognised as a provincial demonstration community, and the
// health administration's figures with their source and date. It is an automerge document
// like the others, so it can be edited offline; the indicators read it.
import { html, nothing } from "lit-html";
import type { DocHandle, DocumentId } from "@automerge/automerge-repo/slim";
import { formValues, type Ctx } from "../context";
import { code, t } from "../i18n";
import { plain } from "../sync";
import { FACILITIES, newCommunity, newId, type Community } from "../records";
import { FOLLOW_UP_DEFAULTS } from "../follow_up";

interface CommunityRow { org: string; name: string; document_id: string | null }

const state = {
  list: [] as CommunityRow[],
  handle: null as DocHandle<Community> | null,
  org: "",
};

/** Loads the communities in scope, and opens the record of the one shown. */
export async function loadCommunity(ctx: Ctx, org: string): Promise<void> {
  state.list = await ctx.api.get<CommunityRow[]>("/api/communities");
  const chosen = state.list.find(c => c.org === org) ?? state.list.find(c => c.org === state.org) ?? state.list[0];
  if (!chosen) return;
  if (state.org !== chosen.org || !state.handle) {
    state.org = chosen.org;
    state.handle = chosen.document_id ? await ctx.sync.open<Community>(chosen.document_id as DocumentId) : null;
  }
}

function change(ctx: Ctx, f: (c: Community) => void) {
  state.handle?.change(f);
  if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
  ctx.refresh();
}

/** The community tab. */
export function communityEditor(ctx: Ctx, pick: (org: string) => void) {
  const chooser = html`<label>${t("communities")}
    <select data-testid="community-pick" @change=${(e: Event) => { state.handle = null; state.org = ""; pick((e.target as HTMLSelectElement).value); }}>
      ${state.list.map(c => html`<option value=${c.org} ?selected=${c.org === state.org}>${c.name || c.org}</option>`)}
    </select></label>`;
  const row = state.list.find(c => c.org === state.org);
  if (!row) return html`<section class="card"><p class="boot">${t("loading")}</p></section>`;
  const h = state.handle;
  if (!h || !h.isReady()) {
    const create = () => {
      state.handle = ctx.sync.create(newCommunity(row.org, row.name));
      row.document_id = state.handle.documentId;
      ctx.refresh();
    };
    return html`<section class="card" data-testid="community">${chooser}
      <p>${t("no_community_record")}</p>
      <button class="primary" data-testid="community-create" @click=${create}>${t("create_community_record")}</button></section>`;
  }
  const c = plain(h.doc()) as Community;
  const input = (e: Event) => e.target as HTMLInputElement;
  const has = (cat: string) => Object.values(c.facilities ?? {}).some(f => f.category === cat);
  const toggleFacility = (cat: string, on: boolean) => change(ctx, d => {
    if (on && !Object.values(d.facilities).some(f => f.category === cat)) {
      d.facilities[newId()] = { name: code("facility", cat), category: cat };
    } else if (!on) {
      for (const [id, f] of Object.entries(d.facilities)) if (f.category === cat) delete d.facilities[id];
    }
  });
  const addOrganisation = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    if (!v.name) return;
    change(ctx, d => { d.organizations[newId()] = { name: v.name, category: "", registered: v.registered === "on" }; });
    (e.target as HTMLFormElement).reset();
  };
  const addFigures = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    if (!v.as_of || !v.source) return;
    const permille = (s: string) => (s === "" ? null : Math.round(Math.min(100, Math.max(0, Number(s))) * 10));
    change(ctx, d => {
      d.health_figures ??= {};
      d.health_figures[newId()] = { as_of: v.as_of, coverage_permille: permille(v.coverage), outpatient_permille: permille(v.outpatient), source: v.source };
    });
    (e.target as HTMLFormElement).reset();
  };
  const figures = Object.entries(c.health_figures ?? {}).sort((a, b) => b[1].as_of.localeCompare(a[1].as_of));
  const pct = (p: number | null | undefined) => (p === null || p === undefined ? "—" : `${(p / 10).toFixed(1)}%`);
  return html`<section class="card" data-testid="community" data-org=${c.org}>
    ${chooser}
    <h2>${c.name}</h2>
    <label>${t("stated_residents")}<input type="number" min="0" inputmode="numeric" data-testid="stated-residents" .value=${String(c.residents || "")}
      @change=${(e: Event) => change(ctx, d => { d.residents = Math.max(0, Math.trunc(Number(input(e).value) || 0)); })} /></label>
    <label class="check"><input type="checkbox" data-testid="rural" .checked=${!!c.rural}
      @change=${(e: Event) => change(ctx, d => { d.rural = input(e).checked; })} /> ${t("rural_community")}</label>
    <label>${t("demonstration_since")}<input type="date" data-testid="demonstration-since" .value=${c.demonstration_since ?? ""}
      @change=${(e: Event) => change(ctx, d => { d.demonstration_since = input(e).value || null; })} /></label>
    <h3>${t("ind_facilities")}</h3>
    <ul class="list">${FACILITIES.map(cat => html`<li><label class="check"><input type="checkbox" data-testid=${`facility-${cat}`} .checked=${has(cat)}
      @change=${(e: Event) => toggleFacility(cat, input(e).checked)} /> ${code("facility", cat)}</label></li>`)}</ul>
    <h3>${t("organisations")}</h3>
    <ul class="list">${Object.entries(c.organizations ?? {}).map(([id, o]) => html`<li data-testid="organisation"><label class="check">
      <input type="checkbox" .checked=${o.registered} @change=${(e: Event) => change(ctx, d => { d.organizations[id].registered = input(e).checked; })} />
      ${o.name} · ${o.registered ? t("registered") : t("not_registered")}</label></li>`)}</ul>
    <form class="row" data-testid="add-organisation" @submit=${addOrganisation}>
      <input name="name" placeholder=${t("organisation_name")} aria-label=${t("organisation_name")} />
      <label class="check"><input type="checkbox" name="registered" /> ${t("registered")}</label>
      <button>${t("add")}</button></form>
    <h3>${t("follow_up_plan")}</h3>
    <ul class="list" data-testid="follow-up-rules">${Object.entries(FOLLOW_UP_DEFAULTS).map(([tag, days]) => html`<li class="row spread">
      <span>${tag === "default" ? t("follow_up_default") : code("tag", tag)}</span>
      <label class="inline"><input type="number" min="1" max="366" inputmode="numeric" data-testid=${`rule-${tag}`} .value=${String(c.follow_up_rules?.[tag] ?? days)}
        @change=${(e: Event) => change(ctx, d => {
          const n = Math.trunc(Number(input(e).value));
          d.follow_up_rules ??= {};
          if (n >= 1 && n <= 366) d.follow_up_rules[tag] = n;
        })} /> ${t("every_days")}</label></li>`)}</ul>
    <h3>${t("health_figures")}</h3>
    ${figures.length ? html`<ul class="list">${figures.map(([, f]) => html`<li data-testid="health-figures">${f.as_of} · ${t("ind_health_service_coverage")} ${pct(f.coverage_permille)} · ${t("ind_outpatient_share")} ${pct(f.outpatient_permille)} · ${f.source}</li>`)}</ul>` : nothing}
    <form data-testid="add-health-figures" @submit=${addFigures}>
      <label>${t("detail_as_of")}<input type="date" name="as_of" required /></label>
      <label>${t("coverage_percent")}<input type="number" name="coverage" min="0" max="100" step="0.1" inputmode="decimal" /></label>
      <label>${t("outpatient_percent")}<input type="number" name="outpatient" min="0" max="100" step="0.1" inputmode="decimal" /></label>
      <label>${t("detail_source")}<input name="source" required /></label>
      <button>${t("add")}</button></form>
  </section>`;
}
