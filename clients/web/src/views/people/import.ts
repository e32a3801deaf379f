// Bulk import: people added from a CSV or XLSX sheet, checked first (what would be created,
// what refused and why), then created; with a template to fill and the units' codes.
import { html, nothing } from "lit-html";
import { AuthError } from "../../auth";
import type { Ctx } from "../../context";
import { orgLabel } from "../../directory";
import { setFormError } from "../../form_errors";
import { code, currentLang, t } from "../../i18n";
import { colon, failed, fill, localized, MAX_DEPTH, messages, openUnits, state, type ImportReport } from "./shared";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export function importSection(ctx: Ctx, reload: () => Promise<void>) {
  const form = "import";
  const r = state.imp.report;
  const typeOf = (f: File) => (/\.xlsx$/i.test(f.name) ? XLSX : "text/csv");
  const send = async (dryRun: boolean) => {
    const file = state.imp.file;
    if (!file) {
      setFormError(form, "import_no_file");
      ctx.refresh();
      return;
    }
    setFormError(form, null);
    state.notices.delete(form);
    state.working = form;
    ctx.refresh();
    try {
      state.imp.report = await ctx.api.upload<ImportReport>(`/api/users/import?dry_run=${dryRun}`, file, typeOf(file));
    } catch (e) {
      state.imp.report = null;
      if (e instanceof AuthError && (e.status === 404 || e.status === 405)) setFormError(form, "import_unavailable");
      else failed(form, e, "import_bad_file");
    } finally {
      state.working = "";
    }
    if (!dryRun) await reload();
    ctx.refresh();
  };
  const pick = (e: Event) => {
    state.imp.file = (e.target as HTMLInputElement).files?.[0] ?? null;
    state.imp.report = null;
    setFormError(form, null);
    ctx.refresh();
  };
  const template = () => {
    const grid = openUnits().find(u => u.path.split("/").length === MAX_DEPTH)?.path ?? ctx.session.org;
    const text = `\ufeff登录名,姓名,角色,单位,初始密码\r\nwang-fang,王芳,网格员,${grid},\r\n`;
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = currentLang() === "zh" ? "人员导入模板.csv" : "people-import-template.csv";
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const report = r
    ? html`<div class="details" data-testid="import-report" data-dry-run=${String(r.dry_run)} data-rows=${r.rows}
        data-accepted=${r.accepted.length} data-refused=${r.refused.length} data-created=${r.created}>
        ${r.dry_run
          ? html`<p><b data-testid="import-summary">${fill(t("import_summary"), { rows: r.rows, accepted: r.accepted.length, refused: r.refused.length })}</b></p>`
          : html`<p class="ok" role="status"><b data-testid="import-created">${fill(t("import_created"), { n: r.created })}</b></p>`}
        ${r.refused.length
          ? html`<h3>${t("import_refused")}</h3><ul class="list">${r.refused.map(x => html`<li data-testid="import-refused-row" data-row=${x.row} data-name=${x.name}>
              <b>${fill(t("import_row"), { n: x.row })}</b> ${x.name} — <span data-testid="import-reason">${localized(x.reason)}</span></li>`)}</ul>`
          : nothing}
        ${r.accepted.length
          ? html`<h3>${t(r.dry_run ? "import_accepted" : "act_users_import")}</h3><ul class="list">${r.accepted.map(x => html`<li data-testid="import-accepted-row" data-row=${x.row} data-name=${x.name}>
              <b>${fill(t("import_row"), { n: x.row })}</b> ${x.name} · ${code("role", x.role)} · ${orgLabel(x.org, ctx.session.org)}</li>`)}</ul>`
          : nothing}
        ${r.dry_run
          ? r.accepted.length
            ? html`<div class="row"><button class="primary" data-testid="import-create" ?disabled=${state.working === form}
                @click=${() => void send(false)}>${fill(t("import_create"), { n: r.accepted.length })}</button></div>`
            : html`<p data-testid="import-nothing">${t("import_nothing")}</p>`
          : nothing}
      </div>`
    : nothing;
  return html`<section class="card" data-testid="people-import">
    <h2>${t("import_title")}</h2>
    <p class="small">${t("import_help")}</p>
    <div class="row"><button data-testid="import-template" @click=${template}>${t("import_template")}</button></div>
    <details data-testid="import-codes"><summary>${t("import_codes")}</summary>
      <ul class="list small">${openUnits().map(u => html`<li>${orgLabel(u.path, ctx.session.org)} — <code>${u.path}</code></li>`)}</ul>
    </details>
    <form class="form" data-testid="import-form" novalidate @submit=${(e: SubmitEvent) => { e.preventDefault(); void send(true); }}>
      <label>${t("import_file")}<input type="file" name="file" data-testid="import-file" accept=${`.csv,.xlsx,text/csv,${XLSX}`} @change=${pick} /></label>
      ${state.imp.file ? html`<p class="small" data-testid="import-chosen">${t("import_chosen")}${colon()}${state.imp.file.name}</p>` : nothing}
      <div class="row"><button class="primary" data-testid="import-check" ?disabled=${state.working === form}>${t("import_check")}</button></div>
      ${messages(form, "import")}
    </form>
    ${report}
  </section>`;
}
