// Importing a community's register (台账, issue #19) from a CSV or XLSX sheet, one row per
// resident: checked first (households and residents that would be imported, rows refused and
// why, households registered already), then imported; with a template and the grids' codes.
// A sheet whose headers are not the template's has its columns matched to the register's
// fields in a small form (the server names the file's headers and what it matched; the
// choice goes as `columns` with the check and the import).
import { html, nothing } from "lit-html";
import { AuthError } from "../auth";
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

/** The register's fields (the server's FIELDS), the needed ones first, with their words. */
const FIELDS: [field: string, needed: boolean, word: Key][] = [
  ["address", true, "register_field_address"],
  ["name", true, "register_field_name"],
  ["relation", true, "register_field_relation"],
  ["org", false, "register_field_org"],
  ["gender", false, "register_field_gender"],
  ["birth_year", false, "register_field_birth_year"],
  ["phone", false, "register_field_phone"],
  ["id_tail", false, "register_field_id_tail"],
  ["employment", false, "register_field_employment"],
  ["tags", false, "register_field_tags"],
  ["health_record", false, "register_field_health_record"],
];

/** A field's name in the current language. */
const fieldName = (field: string) => {
  const word = FIELDS.find(([f]) => f === field)?.[2];
  return word ? t(word) : field;
};

/** Field → the header of the file's column it is read from. */
type Columns = Record<string, string>;

export interface RegisterReport {
  dry_run: boolean;
  rows: number;
  /** The file's header row, in order. */
  headers: string[];
  /** Where each field was read. */
  columns: Columns;
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
  /** The file's headers, as the server last named them (null: not known yet). */
  headers: null as string[] | null,
  /** Needed fields the file has no column for (the server's refusal said so). */
  missing: [] as string[],
  /** The columns named by the supervisor, sent as `columns` (null: the template's headers). */
  columns: null as Columns | null,
  /** The column-matching form's choices while it is open (null: closed). */
  matching: null as Columns | null,
};

/** A refusal for needed columns missing, with the file's headers and the columns matched. */
interface Unmatched {
  missing: string[];
  headers: string[];
  columns: Columns;
}

function unmatched(e: unknown): Unmatched | null {
  if (!(e instanceof AuthError) || e.status !== 400) return null;
  try {
    const body = JSON.parse(e.message) as Partial<Unmatched>;
    if (Array.isArray(body.missing) && Array.isArray(body.headers) && body.columns) return body as Unmatched;
  } catch {
    // not JSON
  }
  return null;
}

/** `columns=`: every field with its column ("field:" for a field not read). */
const columnsParam = (c: Columns) => FIELDS.map(([f]) => `${f}:${c[f] ?? ""}`).join(",");

/** The headers the form offers: each once, not blank; a header with a comma cannot be named in
 * `columns` (its pairs are comma-separated). */
const offered = (headers: string[]) => [...new Set(headers.filter(h => h !== "" && !h.includes(",")))];

/** The column-matching form: for every field a choice of the file's headers, or none. */
function matchingForm(ctx: Ctx, send: (dryRun: boolean) => Promise<void>) {
  const chosen = register.matching ?? {};
  const headers = offered(register.headers ?? []);
  const choose = (field: string) => (e: Event) => {
    register.matching = { ...chosen, [field]: (e.target as HTMLSelectElement).value };
    ctx.refresh();
  };
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    register.columns = { ...chosen };
    void send(true);
  };
  const list = currentLang() === "zh" ? "、" : ", ";
  return html`<form class="form matching" data-testid="register-map" aria-labelledby="register-map-title" novalidate @submit=${submit}>
    <h3 id="register-map-title">${t("register_map_title")}</h3>
    ${register.missing.length
      ? html`<p class="msg error" role="alert" data-testid="register-map-missing" data-missing=${register.missing.join(",")}>${fill(t("register_map_missing"), { fields: register.missing.map(fieldName).join(list) })}</p>`
      : nothing}
    <p class="small">${t("register_map_help")}</p>
    <div class="matching-fields">
      ${FIELDS.map(([field, needed]) => html`<label>${needed ? fill(t("register_map_needed"), { field: fieldName(field) }) : fieldName(field)}
        <select data-testid="register-map-field" data-field=${field} aria-invalid=${needed && register.missing.includes(field) && !chosen[field] ? "true" : "false"}
          @change=${choose(field)}>
          <option value="" ?selected=${!chosen[field]}>${t("register_map_none")}</option>
          ${headers.map(h => html`<option value=${h} ?selected=${chosen[field] === h}>${h}</option>`)}
        </select></label>`)}
    </div>
    <div class="row">
      <button class="primary" data-testid="register-map-check" ?disabled=${register.working}>${t("register_map_check")}</button>
      ${register.missing.length
        ? nothing
        : html`<button type="button" data-testid="register-map-cancel" @click=${() => { register.matching = null; ctx.refresh(); }}>${t("cancel")}</button>`}
    </div>
  </form>`;
}

/** The columns a dry run read (and the file's columns it did not), and a way to change them. */
function columnsRead(ctx: Ctx, r: RegisterReport) {
  const read = FIELDS.filter(([f]) => r.columns[f] !== undefined);
  const used = new Set(Object.values(r.columns));
  const unread = offered(r.headers).filter(h => !used.has(h));
  const list = currentLang() === "zh" ? "；" : "; ";
  return html`<p class="small" data-testid="register-columns-used">${t("register_columns_used")}${colon()}${read
      .map(([f]) => fill(t("register_column_from"), { field: fieldName(f), header: r.columns[f] }))
      .join(list)}</p>
    ${unread.length
      ? html`<p class="small" data-testid="register-columns-unread">${t("register_columns_unread")}${colon()}${unread.join(currentLang() === "zh" ? "、" : ", ")}</p>`
      : nothing}
    ${register.matching
      ? nothing
      : html`<div class="row"><button type="button" data-testid="register-map-open" @click=${() => {
          register.matching = { ...r.columns };
          ctx.refresh();
        }}>${t("register_map_open")}</button></div>`}`;
}

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
    ${r.dry_run && r.headers ? columnsRead(ctx, r) : nothing}
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
    if (register.columns) params.set("columns", columnsParam(register.columns));
    try {
      const r = await ctx.api.upload<RegisterReport>(`/api/households/import?${params}`, file, typeOf(file));
      register.report = r;
      register.headers = r.headers ?? null;
      register.missing = [];
      register.matching = null;
    } catch (e) {
      register.report = null;
      const u = unmatched(e);
      if (u) {
        // Needed columns missing: the form to match them, set to what the server matched.
        register.headers = u.headers;
        register.missing = u.missing;
        register.matching = { ...u.columns };
      } else {
        keepRefusal(FORM, e, { known: KNOWN, badRequest: "register_bad_file", notFound: "register_unavailable" });
      }
    } finally {
      register.working = false;
    }
    if (!dryRun) await reload();
    ctx.refresh();
  };
  const pick = (e: Event) => {
    register.file = (e.target as HTMLInputElement).files?.[0] ?? null;
    register.report = null;
    // Another file, other headers: matched afresh.
    register.headers = null;
    register.missing = [];
    register.columns = null;
    register.matching = null;
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
    ${register.matching && register.headers ? matchingForm(ctx, send) : nothing}
    ${register.report ? report(ctx, register.report, send) : nothing}
  </details>`;
}
