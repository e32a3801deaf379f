// Residents' sign-ups as volunteers (issue #20), a section of the people tab: the sign-ups
// waiting in the caller's unit, each with the resident's name, community, phone, ID document
// (its number whole for the community's supervisors, partly hidden for administrators, as the
// server sends it), skills, times offered and when it was sent; a supervisor approves it or,
// with a reason, rejects it, and the row then says what happened (approved: the volunteer
// number). Administrators see the list only. The server decides who may do what; its refusals
// are said in the row.
import { html, nothing } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { repeat } from "lit-html/directives/repeat.js";
import { AuthError } from "../../auth";
import { when, type Ctx } from "../../context";
import { orgLabel } from "../../directory";
import { setFormError } from "../../form_errors";
import { code, currentLang, t } from "../../i18n";
import { skillCode } from "../../words_volunteers";
import { keepRefusal, refusalView } from "../refusal";
import { fill, isAdmin } from "./shared";

/** A sign-up as the server lists it. */
export interface SignUpRow {
  id: string;
  community: string;
  name: string;
  phone: string;
  id_type: string;
  id_number: string;
  id_masked: boolean;
  skills: string[];
  availability: string[];
  login: string;
  status: "pending" | "approved" | "rejected";
  submitted_at: number;
  decided_by: string | null;
  decided_at: number | null;
  decision_note: string | null;
  volunteer_number: string | null;
}

export const signups = {
  pending: [] as SignUpRow[],
  loaded: false,
  failed: false,
  /** Sign-ups decided here, kept in the list to say what happened. */
  decided: new Map<string, SignUpRow>(),
  /** The sign-up whose rejection form is open, and each one's reason. */
  rejecting: "",
  reasons: new Map<string, string>(),
  /** The sign-up being decided (its buttons are disabled meanwhile). */
  working: "",
};

/** Loads the sign-ups waiting in the caller's unit. */
export async function loadSignUps(ctx: Ctx): Promise<void> {
  try {
    signups.pending = await ctx.api.get<SignUpRow[]>("/api/volunteers/sign-ups?status=pending");
    signups.loaded = true;
    signups.failed = false;
  } catch {
    signups.failed = true;
  }
}

/** How many wait for a decision. */
export function pendingCount(): number {
  return signups.pending.filter(s => !signups.decided.has(s.id)).length;
}

/** A skill in the current language: a ticked one's word, else as the resident wrote it. */
export function skillWord(skill: string): string {
  const k = skillCode(skill);
  return k ? t(`sk_${k}`) : skill;
}

/** Skills or times as a line, "未填写" when none were given. */
export function listed(items: string[], word: (s: string) => string): string {
  return items.length ? items.map(word).join(currentSeparator()) : t("vs_none_given");
}

const currentSeparator = () => (currentLang() === "zh" ? "、" : ", ");

const formOf = (s: SignUpRow) => `signup:${s.id}`;

export function signUpsSection(ctx: Ctx, reload: () => Promise<void>) {
  const mayDecide = ctx.session.role === "supervisor";
  const rows = [...signups.pending.filter(s => !signups.decided.has(s.id)), ...signups.decided.values()].sort(
    (a, b) => b.submitted_at - a.submitted_at,
  );
  const count = pendingCount();
  return html`<section class="card signups" data-testid="signups" data-loaded=${String(signups.loaded)} data-count=${count}>
    <h2>${t("vs_title")} <span class="count" data-testid="signups-count">${signups.loaded ? count : "…"}</span></h2>
    ${isAdmin(ctx) ? html`<p class="note" data-testid="signups-admin-note">${t("vs_admin_note")}</p>` : nothing}
    ${signups.failed ? html`<p class="error" role="alert" data-testid="signups-failed">${t("vs_list_failed")}</p>` : nothing}
    ${signups.loaded && rows.length === 0 ? html`<p data-testid="signups-none">${t("vs_none")}</p>` : nothing}
    <ul class="list">${repeat(rows, s => s.id, s => signUpItem(ctx, s, mayDecide, reload))}</ul>
  </section>`;
}

/** Opens the rejection's reason under the row, with the focus in it. */
function openReject(ctx: Ctx, s: SignUpRow): void {
  signups.rejecting = s.id;
  setFormError(formOf(s), null);
  ctx.refresh();
  requestAnimationFrame(() =>
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-id="${CSS.escape(s.id)}"] [data-testid=signup-reject-note]`)?.focus()),
  );
}

function signUpItem(ctx: Ctx, s: SignUpRow, mayDecide: boolean, reload: () => Promise<void>) {
  const form = formOf(s);
  const decide = async (decision: "approve" | "reject") => {
    const note = (signups.reasons.get(s.id) ?? "").trim();
    if (decision === "reject" && (!note || [...note].length > 500)) {
      setFormError(form, "vs_reason_needed");
      ctx.refresh();
      return;
    }
    setFormError(form, null);
    signups.working = s.id;
    ctx.refresh();
    try {
      const now = await ctx.api.post<SignUpRow>(`/api/volunteers/sign-ups/${encodeURIComponent(s.id)}`, { decision, note });
      signups.decided.set(s.id, now);
      signups.rejecting = "";
      signups.reasons.delete(s.id);
    } catch (e) {
      if (e instanceof AuthError && e.status === 409) {
        let said = "";
        try {
          said = String((JSON.parse(e.message) as { error?: string }).error ?? "");
        } catch {
          // not JSON
        }
        setFormError(form, /taken/.test(said) ? "vs_login_taken" : "vs_decided_already", said);
      } else {
        keepRefusal(form, e, { known: [[/^note:/, "vs_reason_needed"]] });
      }
    } finally {
      signups.working = "";
    }
    await reload();
    ctx.refresh();
  };
  const decided = signups.decided.has(s.id);
  const working = signups.working === s.id;
  const rejecting = signups.rejecting === s.id;
  const outcome =
    s.status === "approved"
      ? html`<p class="msg ok" data-testid="signup-outcome">${t("vs_approved")} <b data-testid="signup-number">${s.volunteer_number ?? ""}</b></p>`
      : s.status === "rejected"
        ? html`<p class="msg" data-testid="signup-outcome">${fill(t("vs_rejected"), { note: s.decision_note ?? "" })}</p>`
        : nothing;
  return html`<li data-testid="signup" data-id=${s.id} data-login=${s.login} data-status=${s.status}>
    <div class="who">
      <b data-testid="signup-name">${s.name}</b>
      <span class="badge ${s.status === "pending" ? "submitted" : s.status}" data-testid="signup-status">${code("vs_st", s.status)}</span>
      <div class="small" data-testid="signup-community">${orgLabel(s.community, ctx.session.org) || orgLabel(s.community)}</div>
    </div>
    <dl>
      <dt>${t("phone")}</dt><dd><a href=${`tel:${s.phone}`} data-testid="signup-phone">${s.phone}</a></dd>
      <dt>${t("vs_id")}</dt><dd><span data-testid="signup-id-type">${code("idt", s.id_type)}</span>
        <span class="id-number" data-testid="signup-id-number">${s.id_number}</span>${s.id_masked ? html` <small>${t("vs_id_masked")}</small>` : nothing}</dd>
      <dt>${t("vs_skills")}</dt><dd data-testid="signup-skills">${listed(s.skills, skillWord)}</dd>
      <dt>${t("vs_availability")}</dt><dd data-testid="signup-availability">${listed(s.availability, a => code("av", a))}</dd>
      <dt>${t("vs_login")}</dt><dd data-testid="signup-login">${s.login}</dd>
      <dt>${t("vs_submitted")}</dt><dd data-testid="signup-submitted">${when(s.submitted_at)}</dd>
    </dl>
    ${outcome}
    ${decided || !mayDecide || s.status !== "pending"
      ? nothing
      : rejecting
        ? html`<form class="form" data-testid="signup-reject-form" novalidate @submit=${(e: SubmitEvent) => { e.preventDefault(); void decide("reject"); }}>
            <label>${t("vs_reject_reason")}<textarea data-testid="signup-reject-note" maxlength="500" rows="2"
              .value=${live(signups.reasons.get(s.id) ?? "")} @input=${(e: Event) => signups.reasons.set(s.id, (e.target as HTMLTextAreaElement).value)}></textarea></label>
            <div class="row">
              <button class="danger" data-testid="signup-reject-confirm" ?disabled=${working}>${t("vs_reject_confirm")}</button>
              <button type="button" @click=${() => { signups.rejecting = ""; setFormError(form, null); ctx.refresh(); }}>${t("cancel")}</button>
            </div>
          </form>`
        : html`<div class="row">
            <button class="primary" data-testid="signup-approve" ?disabled=${working} aria-label=${fill(t("vs_approve_label"), { name: s.name })}
              @click=${() => void decide("approve")}>${t("vs_approve")}</button>
            <button data-testid="signup-reject" ?disabled=${working} aria-label=${fill(t("vs_reject_label"), { name: s.name })}
              @click=${() => openReject(ctx, s)}>${t("vs_reject")}</button>
          </div>`}
    ${refusalView(form, "signup")}
  </li>`;
}
