// Importing a community's register (台账, issue #19) from a CSV or XLSX sheet, one row per
// resident: checked first (households and residents that would be imported, rows refused and
// why, households registered already), then imported; with a template and the grids' codes.
import { html, nothing } from "lit-html";
import type { Ctx } from "../context";
import { orgLabel, unitsUnder } from "../directory";
import { setFormError } from "../form_errors";
import { currentLang, t, type Key } from "../i18n";
import { colon, fill, localized } from "./people/shared";
import { keepRefusal, refusalView } from "./refusal";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** The grid depth: county / street / community / grid. */
const GRID_DEPTH = 4;
/** The most lines of each list the report shows (a register may hold thousands). */
const SHOWN = 200;
/** The template's header: the county's usual columns (docs/import.md). */
const HEADER = ["网格", "地址", "姓名", "与户主关系", "性别", "出生年份", "联系电话", "身份证后四位", "就业状况", "户标签", "健康档案"];

export interface RegisterReport {
  dry_run: boolean;
  rows: number;
  accepted: { rows: number[]; org: string; address: string; head: string; residents: number; document_id: string | null }[];
  refused: { row: number; reason: string }[];
  duplicates: { rows: number[]; address: string; head: string; existing: string[] }[];
  created: number;
}

const KNOWN: [RegExp, Key][] = [
  [/^the header lacks|^columns:/, "register_no_columns"],
  [/more than .* rows/, "register_too_many_rows"],
];

export const register = {
  open: false,
  file: null as File | null,
  /** The grid of rows without one ("": none). */
  org: "",
  report: null as RegisterReport | null,
  working: false,
};

const FORM = "register";

const grids = (ctx: Ctx) => unitsUnder(ctx.session.org).filter(u => u.path.split("/").length === GRID_DEPTH);

/** "第2、3行" / "Rows 2, 3" (one row: "第2行" / "Row 2"). */
function rowsText(rows: number[]): string {
  if (rows.length === 1) return fill(t("import_row"), { n: rows[0] });
  return fill(t("register_rows"), { n: rows.join(currentLang() === "zh" ? "、" : ", ") });
}

/** At most `SHOWN` lines of a list, and how many more there are. */
function some<T>(items: T[], line: (item: T) => unknown) {
  return html`${items.slice(0, SHOWN).map(line)}${items.length > SHOWN
    ? html`<li class="small">${fill(t("register_more"), { n: items.length - SHOWN })}</li>`
    : nothing}`;
}

function report(ctx: Ctx, r: RegisterReport, send: (dryRun: boolean) => Promise<void>) {
  const residents = r.accepted.reduce((n, h) => n + h.residents, 0);
  const figure = (testid: string, n: number, label: Key) =>
    html`<div><b data-testid=${testid}>${n}</b><span>${t(label)}</span></div>`;
  return html`<div class="details" data-testid="register-report" data-dry-run=${String(r.dry_run)} data-rows=${r.rows}
      data-households=${r.accepted.length} data-residents=${residents} data-refused=${r.refused.length}
      data-duplicates=${r.duplicates.length} data-created=${r.created}>
    ${r.dry_run
      ? nothing
      : html`<p class="ok" role="status"><b data-testid="register-created">${fill(t("register_created"), { n: r.created })}</b></p>`}
    <p class="small" data-testid="register-rows-read">${fill(t("register_rows_read"), { n: r.rows })}</p>
    <div class="figures" data-testid="register-counts">
      ${figure("register-households", r.accepted.length, r.dry_run ? "register_households" : "register_households_done")}
      ${figure("register-residents", residents, "register_residents")}
      ${figure("register-refused-count", r.refused.length, "register_refused_rows")}
      ${figure("register-duplicates-count", r.duplicates.length, "register_already")}
    </div>
    ${r.refused.length
      ? html`<h3>${t("register_refused")}</h3><ul class="list">${some(r.refused, x => html`<li data-testid="register-refused-row" data-row=${x.row}>
          <b>${fill(t("import_row"), { n: x.row })}</b>${colon()}<span data-testid="register-reason">${localized(x.reason)}</span></li>`)}</ul>`
      : nothing}
    ${r.duplicates.length
      ? html`<h3>${t("register_duplicates")}</h3><ul class="list">${some(r.duplicates, x => html`<li data-testid="register-duplicate" data-rows=${x.rows.join(",")} data-address=${x.address}>
          <b>${rowsText(x.rows)}</b>${colon()}<span data-testid="register-duplicate-what">${x.address} · ${x.head}</span></li>`)}</ul>`
      : nothing}
    ${r.accepted.length
      ? html`<details data-testid="register-accepted"><summary>${fill(t(r.dry_run ? "register_accepted" : "register_imported"), { n: r.accepted.length })}</summary>
          <ul class="list small">${some(r.accepted, x => html`<li data-testid="register-household" data-address=${x.address} data-org=${x.org}>
            <b>${x.address}</b> · ${x.head} · ${fill(t("register_residents_of"), { n: x.residents })} · ${orgLabel(x.org, ctx.session.org)} <span>(${rowsText(x.rows)})</span></li>`)}</ul>
        </details>`
      : nothing}
    ${r.dry_run
      ? r.accepted.length
        ? html`<div class="row"><button class="primary" data-testid="register-create" ?disabled=${register.working}
            @click=${() => void send(false)}>${fill(t("register_create"), { n: r.accepted.length })}</button></div>`
        : html`<p data-testid="register-nothing">${t("register_nothing")}</p>`
      : nothing}
  </div>`;
}

/** The households tab's register import, folded away until opened. */
export function registerSection(ctx: Ctx, reload: () => Promise<void>) {
  const typeOf = (f: File) => (/\.xlsx$/i.test(f.name) ? XLSX : "text/csv");
  const send = async (dryRun: boolean) => {
    const file = register.file;
    if (!file) {
      setFormError(FORM, "import_no_file");
      ctx.refresh();
      return;
    }
    setFormError(FORM, null);
    register.working = true;
    ctx.refresh();
    const params = new URLSearchParams({ dry_run: String(dryRun) });
    if (register.org) params.set("org", register.org);
    try {
      register.report = await ctx.api.upload<RegisterReport>(`/api/households/import?${params}`, file, typeOf(file));
    } catch (e) {
      register.report = null;
      keepRefusal(FORM, e, { known: KNOWN, badRequest: "register_bad_file", notFound: "register_unavailable" });
    } finally {
      register.working = false;
    }
    if (!dryRun) await reload();
    ctx.refresh();
  };
  const pick = (e: Event) => {
    register.file = (e.target as HTMLInputElement).files?.[0] ?? null;
    register.report = null;
    setFormError(FORM, null);
    ctx.refresh();
  };
  const pickOrg = (e: Event) => {
    register.org = (e.target as HTMLSelectElement).value;
    register.report = null;
    ctx.refresh();
  };
  const template = () => {
    const grid = grids(ctx)[0]?.path ?? ctx.session.org;
    const lines = [
      HEADER.join(","),
      `${grid},幸福路1号2单元301室,张建国,户主,男,1956,13800000000,123X,退休,空巢老人,是`,
      `${grid},幸福路1号2单元301室,李秀英,配偶,女,1958,,,退休,,否`,
    ];
    const url = URL.createObjectURL(new Blob([`\ufeff${lines.join("\r\n")}\r\n`], { type: "text/csv;charset=utf-8" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = currentLang() === "zh" ? "台账导入模板.csv" : "register-template.csv";
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return html`<details class="card register" data-testid="register-import" ?open=${register.open}
      @toggle=${(e: Event) => { register.open = (e.target as HTMLDetailsElement).open; }}>
    <summary data-testid="register-open"><h2>${t("register_title")}</h2></summary>
    <p class="small">${t("register_help")}</p>
    <div class="row"><button data-testid="register-template" @click=${template}>${t("register_template")}</button></div>
    <details data-testid="register-codes"><summary>${t("register_codes")}</summary>
      <ul class="list small">${grids(ctx).map(u => html`<li>${orgLabel(u.path, ctx.session.org)} — <code>${u.path}</code></li>`)}</ul>
    </details>
    <form class="form" data-testid="register-form" novalidate @submit=${(e: SubmitEvent) => { e.preventDefault(); void send(true); }}>
      <label>${t("import_file")}<input type="file" name="file" data-testid="register-file" accept=${`.csv,.xlsx,text/csv,${XLSX}`} @change=${pick} /></label>
      ${register.file ? html`<p class="small" data-testid="register-chosen">${t("import_chosen")}${colon()}${register.file.name}</p>` : nothing}
      <label>${t("register_default_grid")}<select data-testid="register-org" @change=${pickOrg}>
        <option value="" ?selected=${!register.org}>${t("register_no_default")}</option>
        ${grids(ctx).map(u => html`<option value=${u.path} ?selected=${register.org === u.path}>${orgLabel(u.path, ctx.session.org)}</option>`)}
      </select></label>
      <div class="row"><button class="primary" data-testid="register-check" ?disabled=${register.working}>${t("register_check")}</button></div>
      ${refusalView(FORM, "register")}
    </form>
    ${register.report ? report(ctx, register.report, send) : nothing}
  </details>`;
}
