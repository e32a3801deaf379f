// The indicators the supervisor reports to the county (docs/indicators.md): a period picker
// (month, quarter, year or dates) that the screen, the report download and the printout all
// use; every policy indicator with its value, target and clause, how many communities meet
// it and which do not; bars per unit below, to drill into; the workload figures.
import { html, nothing } from "lit-html";
import { type Ctx } from "../context";
import { code, currentLang, t, type Key } from "../i18n";
import { barChart } from "./charts";

export interface Unit { org: string; name: string }
export interface Tally { met: number; of: number; no_data: number; below: Unit[] }
export interface Indicator {
  key: string;
  clause: string;
  target: string | null;
  interpretation: string | null;
  unit: "percent" | "count" | "flag";
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  met: boolean | null;
  communities: Tally | null;
  detail: Record<string, unknown>;
}
export interface UnitReport {
  org: string;
  name: string;
  level: string;
  households: number;
  residents: number;
  volunteers: number;
  communities: number;
  policy: Indicator[];
  operational: {
    visits: number; households_visited: number; requests_opened: number; requests_answered: number;
    mean_days_to_answer: number | null; requests_finished: number; approved_volunteer_hours: number;
  };
}
export interface Period { kind: string; label: string; from: string; to: string; as_of: string }
export interface Report { period: Period; indicators: UnitReport; children: UnitReport[] }

type Kind = "month" | "quarter" | "year" | "range";

/** What the picker holds; `query()` turns it into the API's parameters. */
export const picker = {
  kind: "month" as Kind,
  month: new Date().toISOString().slice(0, 7),
  year: new Date().getFullYear(),
  quarter: Math.floor(new Date().getMonth() / 3) + 1,
  from: "",
  to: "",
};

/** What the picker holds as query parameters (`period=2026-Q3` or `from=…&to=…`). */
function pickerQuery(): string {
  switch (picker.kind) {
    case "month": return `period=${picker.month}`;
    case "quarter": return `period=${picker.year}-Q${picker.quarter}`;
    case "year": return `period=${picker.year}`;
    default: return `from=${picker.from}&to=${picker.to}`;
  }
}

/** The period shown: the picker's as it was when "show" was pressed (the screen refreshes
 * itself while the supervisor is still choosing). */
let applied = pickerQuery();

/** The period shown, as query parameters for the API and the downloads. */
export function periodQuery(): string {
  return applied;
}

/** Shows the period the picker holds, if it is complete. */
export function applyPeriod(): boolean {
  if (picker.kind === "range" && !(picker.from && picker.to && picker.from <= picker.to)) return false;
  applied = pickerQuery();
  return true;
}

/** A value as the report to the county writes it (`12.5%`, `3`, `无数据`). */
export function valueText(i: Indicator): string {
  if (i.value === null && i.communities) {
    const { met, of } = i.communities;
    return currentLang() === "en" ? `${met} of ${of} communities` : `${met} / ${of} 个社区达标`;
  }
  if (i.value === null) return t("no_data");
  if (i.unit === "percent") return `${(i.value * 100).toFixed(1)}%`;
  if (i.unit === "flag") return i.value > 0 ? t("yes") : t("no");
  return Number.isInteger(i.value) ? `${i.value}` : i.value.toFixed(1);
}

function number(v: number | null): string {
  if (v === null) return t("no_data");
  return Number.isInteger(v) ? `${v}` : v.toFixed(1);
}

function half(text: string | null): string {
  if (!text) return "";
  const [zh, en] = text.split(" / ");
  return currentLang() === "en" && en ? en : zh;
}

function detailText(key: string, v: unknown): string | null {
  if (v === null || v === undefined || (Array.isArray(v) && v.length === 0) || key === "entered") return null;
  let shown: string;
  if (key === "residents_source") shown = code("src", String(v));
  else if (key === "missing") shown = (v as string[]).map(c => code("facility", c)).join("、");
  else if (typeof v === "number") shown = number(v);
  else shown = String(v);
  return `${code("detail", key)} ${shown}`;
}

export function periodPicker(ctx: Ctx, reload: () => void) {
  const kinds: Kind[] = ["month", "quarter", "year", "range"];
  const set = (f: () => void) => (e: Event) => { f.call(e.target); ctx.refresh(); };
  const input = (e: Event) => (e.target as HTMLInputElement).value;
  let fields;
  if (picker.kind === "month") {
    fields = html`<input type="month" aria-label=${t("period_month")} data-testid="period-month" .value=${picker.month} @change=${(e: Event) => { picker.month = input(e); }} />`;
  } else if (picker.kind === "quarter" || picker.kind === "year") {
    fields = html`<input type="number" min="2000" max="2199" aria-label=${t("period_year")} data-testid="period-year" .value=${String(picker.year)}
        @change=${(e: Event) => { picker.year = Number(input(e)); }} />
      ${picker.kind === "quarter"
        ? html`<select aria-label=${t("period_quarter")} data-testid="period-quarter" @change=${(e: Event) => { picker.quarter = Number(input(e)); }}>
            ${[1, 2, 3, 4].map(q => html`<option value=${q} ?selected=${picker.quarter === q}>Q${q}</option>`)}</select>`
        : nothing}`;
  } else {
    fields = html`<input type="date" aria-label=${t("period")} data-testid="period-from" .value=${picker.from} @change=${(e: Event) => { picker.from = input(e); }} />
      ${t("to_date")} <input type="date" aria-label=${t("to_date")} data-testid="period-to" .value=${picker.to} @change=${(e: Event) => { picker.to = input(e); }} />`;
  }
  return html`<div class="row period" data-testid="period-picker">
    <select aria-label=${t("period")} data-testid="period-kind" @change=${set(function (this: EventTarget) { picker.kind = (this as HTMLSelectElement).value as Kind; })}>
      ${kinds.map(k => html`<option value=${k} ?selected=${picker.kind === k}>${t(`period_${k}` as Key)}</option>`)}
    </select>
    ${fields}
    <button class="primary" data-testid="period-show" @click=${() => { if (applyPeriod()) reload(); }}>${t("show_period")}</button>
  </div>`;
}

function indicatorCard(i: Indicator, r: Report, drill: (org: string) => void) {
  const ratio = i.unit === "percent";
  const good = i.met === true ? "approved" : i.met === false ? "has_issues" : "";
  const kids = r.children
    .map(c => ({ unit: c, ind: c.policy.find(p => p.key === i.key) }))
    .filter(c => c.ind);
  const notes = Object.entries(i.detail).map(([k, v]) => detailText(k, v)).filter(Boolean);
  return html`<article class="measure" data-testid="measure" data-key=${i.key}>
    <h3>${t(`ind_${i.key}` as Key)}</h3>
    <p class="value-line">
      <b data-testid="value" class=${i.value === null && !i.communities ? "nodata" : ""}>${valueText(i)}</b>
      ${i.numerator !== null && i.denominator !== null ? html`<span class="fraction">${i.numerator} / ${i.denominator}</span>` : nothing}
      ${i.target ? html`<span class="badge ${good}">${t("target")} ${i.target}${i.met === null ? "" : ` · ${i.met ? t("met") : t("not_met")}`}</span>` : nothing}
      ${i.detail.entered ? html`<span class="badge">${t("entered")}</span>` : nothing}
    </p>
    ${i.communities
      ? html`<p data-testid="tally">${i.value === null ? nothing : html`<b>${i.communities.met} / ${i.communities.of}</b> ${t("communities_met")}`}${i.communities.no_data ? html` · ${i.communities.no_data} ${t("no_data_communities")}` : nothing}
          ${i.communities.below.length ? html`<br />${t("below_target")} <span data-testid="below">${i.communities.below.map(u => u.name).join("、")}</span>` : nothing}</p>`
      : nothing}
    ${notes.length ? html`<p class="small">${notes.join(" · ")}</p>` : nothing}
    ${kids.length > 1 || (kids.length === 1 && r.indicators.level !== "community")
      ? barChart(
          t(`ind_${i.key}` as Key),
          kids.map(k => ({ label: k.unit.name, value: k.ind!.value, met: k.ind!.met, onClick: () => drill(k.unit.org) })),
          ratio,
          ratio ? targetShare(i.target) : targetCount(i.target),
        )
      : nothing}
    <details class="small"><summary>${t("policy_clause")}</summary><p>${i.clause}</p>${i.interpretation ? html`<p>${t("reading")}：${half(i.interpretation)}</p>` : nothing}</details>
    <p class="small print-only">${i.clause}${i.interpretation ? html`<br />${t("reading")}：${half(i.interpretation)}` : nothing}</p>
  </article>`;
}

/** "≥ 8%" → 0.08. */
function targetShare(target: string | null): number | null {
  const m = target?.match(/([0-9.]+)%/);
  return m ? Number(m[1]) / 100 : null;
}

/** "≥ 2" → 2; "6 / 6" → 6. */
function targetCount(target: string | null): number | null {
  const m = target?.match(/([0-9]+)\s*$/);
  return m ? Number(m[1]) : null;
}

/** The indicators tab. `reload` fetches the report again for `org` and the picked period. */
export function indicatorsView(ctx: Ctx, r: Report | null, org: string, go: (org: string) => void, reload: () => void) {
  const picked = periodPicker(ctx, reload);
  if (!r) return html`${picked}<p class="boot">${t("loading")}</p>`;
  const i = r.indicators;
  const p = r.period;
  const parent = org.split("/").slice(0, -1).join("/");
  const canGoUp = org !== ctx.session.org && org.startsWith(ctx.session.org);
  const lang = currentLang() === "en" ? "en" : "zh";
  const download = () =>
    ctx.api.download(`/api/export/indicators.xlsx?lang=${lang}&org=${encodeURIComponent(org)}&${periodQuery()}`, `report-${p.label}.xlsx`)
      .catch(() => ctx.toast(t("needs_network")));
  const o = i.operational;
  return html`${picked}
  <section class="card report" data-testid="indicators" data-org=${i.org} data-period=${p.label}>
    <div class="row spread"><h2>${t("indicators")} · <span data-testid="unit-name">${i.name}</span></h2>
      ${canGoUp ? html`<button data-testid="drill-up" class="no-print" @click=${() => go(parent)}>↑ ${t("drill_up")}</button>` : nothing}</div>
    <p data-testid="period-line">${t("period")} ${p.label}：${p.from} ${t("to_date")} ${p.to}，${t("as_of")} ${p.as_of}</p>
    <div class="row no-print"><button data-testid="report-xlsx" @click=${download}>${t("report_xlsx")}</button>
      <button data-testid="print" @click=${() => window.print()}>${t("print")}</button></div>
    <div class="figures">
      <div><b>${i.households}</b><span>${t("ds_households")}</span></div>
      <div><b>${i.residents}</b><span>${t("residents")}</span></div>
      <div><b>${i.volunteers}</b><span>${t("volunteer")}</span></div>
      ${i.communities > 1 ? html`<div><b>${i.communities}</b><span>${t("communities")}</span></div>` : nothing}
    </div>
    ${i.policy.map(ind => indicatorCard(ind, r, go))}
    <h3>${t("operational")}</h3>
    <table class="operational" data-testid="operational">
      <tr><td>${t("visit_count")}</td><td>${o.visits}</td></tr>
      <tr><td>${t("households_visited")}</td><td>${o.households_visited}</td></tr>
      <tr><td>${t("requests_opened")}</td><td>${o.requests_opened}</td></tr>
      <tr><td>${t("requests_answered")}</td><td>${o.requests_answered}</td></tr>
      <tr><td>${t("days_to_answer")}</td><td>${number(o.mean_days_to_answer)}</td></tr>
      <tr><td>${t("approved_volunteer_hours")}</td><td>${number(o.approved_volunteer_hours)}</td></tr>
    </table>
    ${r.children.length && !i.policy.length
      ? html`<ul class="list">${r.children.map(c => html`<li><button class="link" data-testid="child" @click=${() => go(c.org)}>${c.name}</button></li>`)}</ul>`
      : nothing}
  </section>`;
}
