// Service requests on the grid worker's phone: a household's requests, and finishing one
// with how satisfied the household was.
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { plain } from "../sync";
import { formValues, when, type Ctx } from "../context";
import { code, t } from "../i18n";
import { SATISFACTION, nowIso, type ServiceRequest } from "../records";

/** A request of the household; an open one can be marked done, with how satisfied the
 * household was (§二十一). */
export function requestRow(ctx: Ctx, r: DocHandle<ServiceRequest>) {
  const d = plain(r.doc());
  const finish = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    r.change(x => {
      x.status = "resolved";
      x.log.push({ at: nowIso(), by: ctx.session.user, text: v.note ?? "", status: "resolved" });
      x.satisfaction = (v.satisfaction ?? "") as ServiceRequest["satisfaction"];
    });
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
  const done = d.status === "resolved" || d.status === "closed";
  return html`<li data-testid="request">${d.description} <span class="badge ${d.status}">${code("st", d.status)}</span> <small>${when(d.log?.[0]?.at)}</small>
    ${d.satisfaction ? html`<span class="badge">${code("sat", d.satisfaction)}</span>` : nothing}
    ${done
      ? nothing
      : html`<details><summary data-testid="finish-open">${t("finish_request")}</summary>
          <form class="form" data-testid="finish-request" @submit=${finish}>
            <label>${t("note")}<input name="note" /></label>
            <label>${t("satisfaction")}<select name="satisfaction"><option value="">${t("not_asked")}</option>${SATISFACTION.map(s => html`<option value=${s}>${code("sat", s)}</option>`)}</select></label>
            <button class="primary" type="submit">${t("save")}</button>
          </form></details>`}
  </li>`;
}

