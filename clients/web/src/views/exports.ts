// The supervisor's exports: which unit and which period the files cover is said on screen
// and chosen here (not inherited silently from the last unit drilled into); the server
// names each file after them (`Content-Disposition`, which the download keeps).
import { html } from "lit-html";
import { type Ctx } from "../context";
import { code, currentLang, t } from "../i18n";
import { orgLabel, unitsUnder } from "../directory";
import { periodPicker, periodQuery, type Report } from "./indicators";

const DATASETS = ["households", "residents", "visits", "volunteer-hours", "indicators"];

/** The exports tab for unit `org`; `report` (for the period's dates) may still be loading. */
export function exportsView(ctx: Ctx, org: string, report: Report | null, pickUnit: (org: string) => void, reload: () => void) {
  const lang = currentLang() === "zh" ? "zh" : "en";
  const period = report?.period;
  const unit = report?.indicators.org === org ? report.indicators.name : orgLabel(org);
  const [open, close, colon] = lang === "zh" ? ["（", "）", "："] : [" (", ")", ": "];
  const periodText = period ? `${period.label}${open}${period.from} ${t("to_date")} ${period.to}${close}` : t("loading");
  const get = (ds: string, fmt: string) =>
    ctx.api
      .download(`/api/export/${ds}.${fmt}?lang=${lang}&org=${encodeURIComponent(org)}&${periodQuery()}`, `${ds}.${fmt}`)
      .catch(() => ctx.toast(t("needs_network")));
  const units = unitsUnder(ctx.session.org);
  if (!units.some(u => u.path === org)) units.unshift({ path: org, name: unit });
  return html`<section class="card" data-testid="exports" data-org=${org} data-period=${period?.label ?? ""}>
    <h2>${t("exports")}</h2>
    <p data-testid="export-scope"><b>${t("export_scope")}</b>${colon}${t("export_unit")} <b data-testid="export-unit">${unit}</b> · ${t("export_period")}
      <b data-testid="export-period">${periodText}</b></p>
    <label>${t("export_change_unit")}
      <select data-testid="export-unit-select" @change=${(e: Event) => pickUnit((e.target as HTMLSelectElement).value)}>
        ${units.map(u => html`<option value=${u.path} ?selected=${u.path === org}>${orgLabel(u.path, ctx.session.org) || u.name}</option>`)}
      </select></label>
    ${periodPicker(ctx, reload)}
    <p class="small">${t("export_period_applies")}</p>
    <ul class="list">${DATASETS.map(ds => html`<li class="row spread"><span>${code("ds", ds)}</span>
      <span><button data-testid=${`export-${ds}-csv`} @click=${() => get(ds, "csv")}>CSV</button> <button data-testid=${`export-${ds}-xlsx`} @click=${() => get(ds, "xlsx")}>XLSX</button></span></li>`)}</ul>
  </section>`;
}
