// Words for certificates of volunteer service and star levels (issue #20): the volunteer's
// star level and hours, their certificates (asked for, listed, printed), the supervisor's
// requests to issue and the volunteers' standing by year, and the public page that checks a
// certificate's number. Merged into i18n's table: zh-CN first, English second. `{hours}`,
// `{number}` and the like are filled in by the view. Every key starts with `rk_` (stars),
// `ce_` (certificates) or `cv_` (checking a number), so none can replace another table's word.
import type { householdWords } from "./words_households";
import type { peopleWords } from "./words_people";
import type { screenWords } from "./words_screens";
import type { volunteerWords } from "./words_volunteers";
import type { workerWords } from "./words_worker";

export const certificateWords = {
  // The volunteer's star level (《志愿服务记录办法》)
  rk_title: ["我的星级", "My star level"],
  rk_stars_0: ["尚未评星", "No star yet"],
  rk_stars_1: ["一星级志愿者", "One-star volunteer"],
  rk_stars_2: ["二星级志愿者", "Two-star volunteer"],
  rk_stars_3: ["三星级志愿者", "Three-star volunteer"],
  rk_stars_4: ["四星级志愿者", "Four-star volunteer"],
  rk_stars_5: ["五星级志愿者", "Five-star volunteer"],
  rk_level_1: ["一星级", "one star"],
  rk_level_2: ["二星级", "two stars"],
  rk_level_3: ["三星级", "three stars"],
  rk_level_4: ["四星级", "four stars"],
  rk_level_5: ["五星级", "five stars"],
  rk_of_five: ["{n}星（满分5星）", "{n} of 5 stars"],
  rk_total: ["累计认定时长（小时）", "Approved hours in all"],
  rk_year: ["{year}年认定（小时）", "Approved in {year} (hours)"],
  rk_next: ["再服务 {hours} 小时可达{level}（累计 {at} 小时）", "{hours} more hours to {level} ({at} hours in all)"],
  rk_top: ["已达到最高的五星级", "You have reached the highest level, five stars"],
  rk_rule: [
    "按《志愿服务记录办法》，认定服务时长累计达到100、300、600、1000、1500小时，可分别认定为一至五星级志愿者。只计已认定的时长。",
    "Under the national Measures for Recording Volunteer Service, 100, 300, 600, 1,000 and 1,500 approved hours make a one- to five-star volunteer. Only approved hours count.",
  ],
  rk_fetched: ["数据更新于 {when}", "As of {when}"],
  rk_offline: ["离线显示：数据更新于 {when}", "Offline: as of {when}"],
  rk_loading: ["正在加载星级…", "Loading your star level…"],
  rk_failed: ["星级暂时无法加载（需要联网）", "Your star level could not be loaded (it needs a network connection)"],

  // The supervisor's desk: volunteers with stars and hours, and each community's year
  rk_section: ["志愿者星级", "Volunteer stars"],
  rk_year_pick: ["年度", "Year"],
  rk_summary_title: ["{year}年各社区志愿服务", "Volunteering in {year}, by community"],
  rk_col_community: ["社区", "Community"],
  rk_col_volunteers: ["注册志愿者", "Volunteers"],
  rk_col_active: ["本年有服务", "Active"],
  rk_col_hours: ["本年时长（小时）", "Hours"],
  rk_col_stars: ["星级人数", "Stars"],
  rk_col_total: ["合计", "Total"],
  rk_summary_none: ["这一年没有志愿者记录", "No volunteer records for this year"],
  rk_list_title: ["志愿者", "Volunteers"],
  rk_search: ["按姓名或志愿者编号查找", "Find by name or volunteer number"],
  rk_no_number: ["无编号（未经报名登记）", "No number (not signed up)"],
  rk_year_hours: ["{year}年 {hours} 小时", "{hours} h in {year}"],
  rk_all_hours: ["累计 {hours} 小时", "{hours} h in all"],
  rk_list_none: ["没有找到志愿者", "No volunteer found"],
  rk_list_failed: ["志愿者星级无法加载（需要联网）", "The volunteers' stars could not be loaded (it needs a network connection)"],
  rk_shown: ["显示 {shown} / {all}", "Showing {shown} of {all}"],

  // The volunteer's certificates
  ce_title: ["社区出具的服务证明", "Certificates from your community"],
  ce_intro: [
    "可向社区申请免费开具志愿服务记录证明，用于升学、求职等。证明根据已认定的服务记录出具，由社区督导审核后出具。",
    "Ask your community for a certificate of your service, free of charge, for a school, an employer and the like. It is written from your approved service and issued by your community's supervisor.",
  ],
  ce_ask_title: ["申请证明", "Ask for a certificate"],
  ce_purpose: ["用途 *", "What it is for *"],
  ce_purpose_hint: ["例如：升学材料、求职、评优", "For example: a school application, a job, an award"],
  ce_period: ["证明时段（不填则包括全部服务）", "Period (leave empty for all your service)"],
  ce_from: ["起始日期", "From"],
  ce_to: ["截止日期", "To"],
  ce_ask: ["提交申请", "Ask for it"],
  ce_asking: ["正在提交…", "Sending…"],
  ce_asked: ["申请已提交，社区出具后会显示在下面", "Sent: it shows below once your community has issued it"],
  ce_err_purpose: ["请填写用途（最多200字）", "Say what it is for (at most 200 characters)"],
  ce_err_dates: ["起始日期不能晚于截止日期", "The start is after the end"],
  ce_err_no_registration: [
    "证明须写明您的证件信息：请先通过登录页“注册成为志愿者”登记",
    "A certificate names your ID document: sign up as a volunteer first (on the sign-in screen)",
  ],
  ce_mine: ["我的申请和证明", "My requests and certificates"],
  ce_none: ["还没有申请过证明", "You have not asked for a certificate yet"],
  ce_st_requested: ["待出具", "Waiting"],
  ce_st_issued: ["已出具", "Issued"],
  ce_all_service: ["全部服务", "All service"],
  ce_period_both: ["{from} 至 {to}", "{from} to {to}"],
  ce_period_from: ["{from} 起", "From {from}"],
  ce_period_to: ["至 {to}", "Until {to}"],
  ce_purpose_shown: ["用途", "For"],
  ce_period_shown: ["时段", "Period"],
  ce_requested_on: ["申请时间", "Asked"],
  ce_number: ["证明编号", "Certificate number"],
  ce_issued_on: ["出具日期", "Issued on"],
  ce_total: ["累计服务时长", "Total hours"],
  ce_hours_value: ["{hours} 小时", "{hours} hours"],
  ce_view: ["查看并打印", "View and print"],
  ce_view_label: ["查看并打印证明 {number}", "View and print certificate {number}"],
  ce_pdf: ["下载PDF", "Download the PDF"],
  ce_pdf_label: ["下载PDF：证明 {number}", "Download the PDF of certificate {number}"],
  ce_pdf_getting: ["正在下载…", "Downloading…"],
  ce_pdf_failed: ["PDF暂时无法生成，可以用“查看并打印”打印证明", "The PDF cannot be made now: print the certificate with View and print"],
  ce_list_failed: ["证明列表无法加载（需要联网）", "The certificates could not be loaded (it needs a network connection)"],
  ce_kept: ["离线显示：列表更新于 {when}", "Offline: the list as of {when}"],
  ce_view_needs_network: ["查看证明全文需要联网", "Viewing a certificate needs a network connection"],

  // The printable page (the certificate itself is in Chinese, as issued)
  ce_page_note: [
    "请打印后由出具单位负责人签字并加盖公章。",
    "The certificate is in Chinese, as issued. Print it; the issuer's head signs it and puts on the seal.",
  ],
  ce_print: ["打印证明", "Print the certificate"],
  ce_back: ["返回", "Back"],

  // The supervisor's desk: requests to issue, and those issued
  ce_section: ["证明", "Certificates"],
  ce_waiting_title: ["待出具的证明申请", "Certificates asked for"],
  ce_waiting_none: ["没有待出具的申请", "None is waiting"],
  ce_issued_title: ["已出具的证明", "Certificates issued"],
  ce_issued_none: ["还没有出具过证明", "None issued yet"],
  ce_volunteer: ["志愿者", "Volunteer"],
  ce_contact: ["联系方式（印在证明上，供核实）", "Contact (printed on the certificate, to check it with)"],
  ce_contact_hint: ["例如社区办公室电话", "For example the community office's phone"],
  ce_issue: ["出具证明", "Issue it"],
  ce_issue_label: ["为{name}出具证明", "Issue {name}'s certificate"],
  ce_issue_note: [
    "证明按该时段内已认定的服务记录生成，出具后不能修改。",
    "The certificate is written from the approved service of the period and cannot be changed once issued.",
  ],
  ce_issued_now: ["已出具，证明编号 {number}", "Issued: certificate number {number}"],
  ce_err_no_service: ["该时段没有已认定的服务记录，无法出具", "There is no approved service in this period to certify"],
  ce_err_issued_already: ["这份证明已经出具过了", "This certificate was issued already"],
  ce_err_contact: ["联系方式最多100字", "A contact has at most 100 characters"],
  ce_err_no_volunteer: ["该志愿者没有报名登记，无法出具", "This volunteer has no sign-up to certify"],
  ce_admin_note: [
    "证明由志愿者所在社区的督导出具和查看。",
    "Certificates are issued and read by the supervisors of the volunteer's community.",
  ],

  // The audit log's words for the certificates' actions
  act_certificate_request: ["申请志愿服务证明", "Certificate asked for"],
  act_certificate_issue: ["出具志愿服务证明", "Certificate issued"],

  // Checking a number (no login)
  cv_open: ["核验志愿服务证明", "Check a volunteer service certificate"],
  cv_title: ["核验志愿服务记录证明", "Check a certificate of volunteer service"],
  cv_intro: [
    "输入证明上的编号（如 ZYFW-2026-8F3A91C2），核对这份证明是否由本系统出具。",
    "Type the number printed on the certificate (like ZYFW-2026-8F3A91C2) to check that it was issued here.",
  ],
  cv_number: ["证明编号", "Certificate number"],
  cv_check: ["核验", "Check"],
  cv_checking: ["正在核验…", "Checking…"],
  cv_found: ["查到此证明：本系统出具过编号为 {number} 的证明", "Found: a certificate numbered {number} was issued here"],
  cv_masked_note: [
    "为保护个人信息，姓名和证件号码部分隐去。请与证明原件逐项核对；不一致的，证明可能被改动过。",
    "To protect personal data, the name and ID number are partly hidden. Compare each line with the certificate: where they differ, it may have been altered.",
  ],
  cv_name: ["姓名", "Name"],
  cv_id: ["证件号码", "ID number"],
  cv_hours: ["累计服务时长", "Total hours"],
  cv_issuer: ["出具单位", "Issued by"],
  cv_issued_on: ["出具日期", "Issued on"],
  cv_not_found: [
    "没有编号为 {number} 的证明。请核对编号；如仍有疑问，请联系出具单位。",
    "No certificate has the number {number}. Check the number; if in doubt, ask the issuer.",
  ],
  cv_err_empty: ["请输入证明编号", "Type the certificate's number"],
  cv_back: ["返回登录", "Back to sign-in"],
} satisfies Record<string, [string, string]>;

/** True only when no key is in both tables (a later table would silently replace a word);
 * i18n's own common table is kept apart by the prefixes above. */
type Disjoint<A, B> = [Extract<keyof A, keyof B>] extends [never] ? true : false;
const noSharedCertificateKeys: [
  Disjoint<typeof workerWords, typeof certificateWords>,
  Disjoint<typeof screenWords, typeof certificateWords>,
  Disjoint<typeof peopleWords, typeof certificateWords>,
  Disjoint<typeof householdWords, typeof certificateWords>,
  Disjoint<typeof volunteerWords, typeof certificateWords>,
] = [true, true, true, true, true];
void noSharedCertificateKeys;
