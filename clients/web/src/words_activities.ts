// Words for volunteer activities with check-in (issue #20): the supervisor's activities tab
// (publishing, the list, an activity's enrolments and attendance, confirming, and the
// check-in code shown on the organiser's phone) and the volunteer's activities on their home
// screen (enrolling, scanning the codes at check-in and check-out, offline too, and what was
// credited). Merged into i18n's table: zh-CN first, English second. `{time}`, `{n}` and the
// like are filled in by the view. Every key starts with `ac_`, so none can replace another
// table's word.
import type { certificateWords } from "./words_certificates";
import type { householdWords } from "./words_households";
import type { peopleWords } from "./words_people";
import type { screenWords } from "./words_screens";
import type { volunteerWords } from "./words_volunteers";
import type { workerWords } from "./words_worker";

export const activityWords = {
  // The supervisor's tab and list
  ac_tab: ["志愿活动", "Activities"],
  ac_title: ["志愿活动", "Volunteer activities"],
  ac_new: ["发布活动", "Publish an activity"],
  ac_none: ["还没有发布活动", "No activity published yet"],
  ac_enrolled_of: ["已报名 {n}/{capacity}", "{n} of {capacity} enrolled"],
  ac_enrolled_count: ["已报名 {n} 人", "{n} enrolled"],
  ac_no_limit: ["不限人数", "no limit"],
  ac_cancelled: ["已取消", "Cancelled"],
  ac_ended: ["已结束", "Ended"],
  ac_under_way: ["进行中", "Under way"],
  ac_back_to_list: ["返回活动列表", "Back to the activities"],
  ac_kept_offline: ["没有网络：显示的是 {time} 保存在本机的活动", "No network: these are the activities kept on this device at {time}"],
  ac_never_loaded: ["没有网络，活动还没有加载过", "No network, and the activities have not been loaded yet"],

  // Publishing
  ac_form_title: ["活动名称 *", "Title *"],
  ac_form_place: ["活动地点 *", "Place *"],
  ac_form_category: ["服务类别", "Kind of service"],
  ac_form_community: ["招募范围（哪里的志愿者可以报名） *", "Open to the volunteers of *"],
  ac_form_description: ["活动内容", "What volunteers will do"],
  ac_form_date: ["日期 *", "Date *"],
  ac_form_starts: ["开始时间 *", "Starts at *"],
  ac_form_ends: ["结束时间 *", "Ends at *"],
  ac_form_capacity: ["招募人数（0 为不限）", "Places (0: no limit)"],
  ac_form_skills: ["需要的技能（可多选）", "Skills wanted (choose any)"],
  ac_form_skill_other: ["其他技能（多项用顿号或逗号分开）", "Other skills (separate them with commas)"],
  ac_publish: ["发布", "Publish"],
  ac_publishing: ["正在发布…", "Publishing…"],
  ac_published: ["已发布：{title}", "Published: {title}"],
  ac_err_needed: ["请填写活动名称、地点、日期和时间", "Fill in the title, place, date and times"],
  ac_err_times: ["结束时间须晚于开始时间", "The end must be after the start"],

  // An activity's page
  ac_when: ["时间", "When"],
  ac_where: ["地点", "Where"],
  ac_kind: ["类别", "Kind"],
  ac_skills: ["需要的技能", "Skills wanted"],
  ac_places: ["名额", "Places"],
  ac_organiser: ["组织者", "Organiser"],
  ac_about: ["内容", "About"],
  ac_show_code: ["出示签到码", "Show check-in code"],
  ac_entry_checkin: ["活动签到", "checked in at an activity"],
  ac_key_kept: ["签到码密钥已保存在本机，没有网络也能出示签到码", "The check-in key is kept on this device: the code shows with no network too"],
  ac_enrolments: ["报名名单", "Enrolled"],
  ac_no_enrolments: ["还没有人报名", "Nobody has enrolled yet"],
  ac_number: ["编号 {number}", "No. {number}"],
  ac_enrolled_at: ["报名于 {time}", "enrolled {time}"],
  ac_attendance: ["签到记录", "Attendance"],
  ac_no_attendance: ["还没有人签到。志愿者签到、签退后联网同步，记录就会出现在这里。", "Nobody has checked in yet. Volunteers' check-ins appear here once their phones sync."],
  ac_in_at: ["签到 {time}", "checked in at {time}"],
  ac_out_at: ["签退 {time}", "checked out at {time}"],
  ac_minutes: ["{n} 分钟", "{n} min"],
  ac_confirm: ["确认时长", "Confirm"],
  ac_confirm_all: ["全部确认（{n} 人）", "Confirm all ({n})"],
  ac_confirmed_n: ["已确认 {n} 人的服务时长", "Confirmed the hours of {n} volunteer(s)"],
  ac_confirm_whose: ["确认时长：{name}", "Confirm: {name}"],
  ac_entry_submitted: ["待确认", "To confirm"],
  ac_entry_approved: ["已确认", "Confirmed"],
  ac_entry_has_issues: ["需修改", "Has issues"],
  ac_entry_rejected: ["未认定", "Rejected"],
  ac_detail_offline: ["报名名单和签到记录需要联网才能查看", "The enrolled and attendance lists need a network connection"],

  // The check-in code on the organiser's phone
  ac_code_in: ["签到码", "Check-in code"],
  ac_code_out: ["签退码", "Check-out code"],
  ac_code_which: ["出示哪一种码", "Which code to show"],
  ac_code_alt_in: ["签到二维码，每分钟更新", "Check-in QR code, renewed every minute"],
  ac_code_alt_out: ["签退二维码，每分钟更新", "Check-out QR code, renewed every minute"],
  ac_code_now: ["当前时间", "Time now"],
  ac_code_offline: ["签到码每分钟自动更新，不需要联网", "The code changes every minute and works offline"],
  ac_code_how: [
    "请志愿者打开邻里首页“志愿活动”，点“扫码签到”（离开时点“扫码签退”）扫描此码。",
    "Volunteers open Activities on their Linli home screen and tap Scan to check in (Scan to check out when they leave).",
  ],
  ac_code_no_key: ["第一次出示签到码需要联网，以取得本活动的密钥", "The first time, showing the code needs a network connection to get the activity's key"],
  ac_code_no_crypto: ["此浏览器不能生成签到码（需要 https 连接）", "This browser cannot make check-in codes (it needs an https connection)"],
  ac_code_back: ["返回活动", "Back to the activity"],

  // The volunteer's home
  ac_mine: ["我报名的活动", "My activities"],
  ac_open: ["可报名的活动", "Activities to join"],
  ac_none_open: ["目前没有可报名的活动", "No activity is open to join now"],
  ac_none_mine: ["您还没有报名活动", "You have not enrolled in any activity"],
  ac_enrol: ["报名", "Enrol"],
  ac_withdraw: ["取消报名", "Withdraw"],
  ac_full: ["名额已满", "Full"],
  ac_enrolled_ok: ["已报名：{title}", "Enrolled: {title}"],
  ac_withdrawn_ok: ["已取消报名：{title}", "Withdrawn: {title}"],
  ac_scan_in: ["扫码签到", "Scan to check in"],
  ac_scan_out: ["扫码签退", "Scan to check out"],
  ac_photo_in: ["拍摄签到二维码", "Photograph the check-in QR code"],
  ac_photo_out: ["拍摄签退二维码", "Photograph the check-out QR code"],
  ac_reading: ["正在识别二维码…", "Reading the QR code…"],
  ac_type_code: ["扫不了？手动输入码", "Cannot scan? Type the code"],
  ac_code_field: ["签到码文字（可粘贴用手机相机扫出的文字）", "The code's text (paste what your camera app read from the QR code)"],
  ac_code_submit: ["提交", "Submit"],
  ac_how_in: ["到达活动现场后，扫描组织者出示的签到码", "When you arrive, scan the check-in code the organiser shows"],
  ac_state_in: ["已签到 {time}（待同步）", "Checked in at {time} (not yet synced)"],
  ac_state_out: ["已签退 {time}（待同步）", "Checked out at {time} (not yet synced)"],
  ac_how_out: ["离开时扫描组织者出示的签退码", "When you leave, scan the check-out code the organiser shows"],
  ac_will_send: ["联网后自动发送", "It is sent once the phone is online"],
  ac_sending: ["正在发送签到记录…", "Sending the attendance…"],
  ac_credited: ["已记入 {hours} 小时（{minutes} 分钟）", "{hours} hours credited ({minutes} minutes)"],
  ac_credited_minutes: ["已记入 {minutes} 分钟", "{minutes} min credited"],
  ac_waiting_confirm: ["待组织者确认", "waiting for the organiser to confirm"],
  ac_confirmed: ["组织者已确认", "confirmed by the organiser"],
  ac_refused: ["签到记录未被接受", "The attendance was not accepted"],
  ac_scan_again: ["重新签到", "Check in again"],

  // Why a code or a request is refused
  ac_err_not_code: ["这不是邻里的签到码，请扫描组织者手机上的二维码", "This is not a Linli check-in code: scan the QR code on the organiser's phone"],
  ac_err_no_qr: ["照片中没有找到二维码，请对准二维码再拍一次", "No QR code was found in the picture: aim at the QR code and take it again"],
  ac_err_other_activity: ["这是另一个活动的签到码", "This code is for another activity"],
  ac_err_other_named: ["这是另一个活动（{title}）的签到码", "This code is for another activity ({title})"],
  ac_err_not_enrolled: ["您没有报名这个活动", "You are not enrolled in this activity"],
  ac_err_need_in: ["这是签退码，请先扫描签到码", "This is a check-out code: scan the check-in code first"],
  ac_err_need_out: ["这是签到码。离开时请扫描组织者切换的签退码", "This is a check-in code: when you leave, scan the check-out code the organiser switches to"],
  ac_err_same_minute: ["签退码须晚于签到时间生成，请一分钟后再扫", "The check-out code must be made after the check-in: scan it again in a minute"],
  ac_err_wrong_scan: ["签到码和签退码弄反了，请按顺序先签到、再签退", "A check-in and a check-out code were mixed up: check in first, then out"],
  ac_err_outside: ["这个码不是在活动时间内生成的", "This code was not made during the activity"],
  ac_err_bad_signature: ["签到码无效：不是本活动组织者生成的", "The code is not valid: it was not made by this activity's organiser"],
  ac_err_full: ["名额已满", "The activity is full"],
  ac_err_ended: ["活动已结束", "The activity has ended"],
  ac_err_cancelled: ["活动已取消", "The activity was cancelled"],
  ac_err_no_record: ["请先在本页创建志愿者档案，签到记录会在之后发送", "Create your volunteer record on this page first; the attendance is sent after that"],
} satisfies Record<string, [string, string]>;

/** True only when no key is in both tables (a later table would silently replace a word);
 * i18n's own common table is kept apart by the `ac_` prefix. */
type Disjoint<A, B> = [Extract<keyof A, keyof B>] extends [never] ? true : false;
const noSharedActivityKeys: [
  Disjoint<typeof workerWords, typeof activityWords>,
  Disjoint<typeof screenWords, typeof activityWords>,
  Disjoint<typeof peopleWords, typeof activityWords>,
  Disjoint<typeof householdWords, typeof activityWords>,
  Disjoint<typeof volunteerWords, typeof activityWords>,
  Disjoint<typeof certificateWords, typeof activityWords>,
] = [true, true, true, true, true, true];
void noSharedActivityKeys;
