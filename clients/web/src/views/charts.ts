// Indicator charts: one horizontal bar per org unit, with the policy's target marked.
import { html, svg } from "lit-html";
import { t } from "../i18n";

export interface BarRow {
  label: string;
  /** `null`: no data (no bar, never a red zero). */
  value: number | null;
  met: boolean | null;
  onClick?: () => void;
}

/** A value as people read it: percentages for ratios, one decimal otherwise. */
export function show(value: number | null, ratio: boolean): string {
  if (value === null) return t("no_data");
  return ratio ? `${(value * 100).toFixed(1)}%` : `${Math.round(value * 10) / 10}`;
}

/** The chart in words, for screen readers and anyone who cannot see it: every bar's unit,
 * value and whether it meets the target. */
export function chartText(title: string, rows: BarRow[], ratio: boolean, target: number | null): string {
  const bars = rows.map(r => `${r.label} ${show(r.value, ratio)}${r.met === null ? "" : `（${t(r.met ? "met" : "not_met")}）`}`);
  const goal = target === null ? "" : `；${t("target")} ${show(target, ratio)}`;
  return `${title}：${bars.join("；")}${goal}`;
}

/** Bars for `rows`, scaled to the largest value (or 100% for ratios), target as a line;
 * `title` names what is measured, for the chart's text alternative. */
export function barChart(title: string, rows: BarRow[], ratio: boolean, target: number | null) {
  const width = 320;
  const labelW = 110;
  const barW = width - labelW - 56;
  const rowH = 26;
  const max = Math.max(ratio ? 1 : 0, target ?? 0, ...rows.map(r => r.value ?? 0), 1e-9);
  const x = (v: number) => labelW + (barW * v) / max;
  const height = rows.length * rowH + 8;
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label=${chartText(title, rows, ratio, target)} data-testid="chart">
    ${rows.map((r, i) => svg`<g transform="translate(0 ${i * rowH + 4})" class=${r.onClick ? "drill" : ""} @click=${() => r.onClick?.()}>
      <rect x="0" y="0" width=${width} height=${rowH - 2} class="hit"></rect>
      <text x="0" y="16" class="label">${r.label.length > 14 ? `…${r.label.slice(-13)}` : r.label}</text>
      ${r.value === null ? "" : svg`<rect x=${labelW} y="4" width=${Math.max(1, x(r.value) - labelW)} height="16" rx="3" class=${r.met === false ? "fill miss" : "fill"}></rect>`}
      <text x=${x(r.value ?? 0) + 4} y="16" class=${r.value === null ? "value nodata" : "value"}>${show(r.value, ratio)}</text>
    </g>`)}
    ${target !== null ? svg`<line x1=${x(target)} x2=${x(target)} y1="0" y2=${height} class="target"></line>` : ""}
  </svg>`;
}
