// Words for residents signing up as volunteers (issue #20): the sign-up form reached from the
// login screen, the supervisor's list of sign-ups to decide, and the volunteer's registration
// on their home screen. Merged into i18n's table: zh-CN first, English second. `{login}`,
// `{number}` and the like are filled in by the view.
export const volunteerWords = {
  // The way in, on the login screen
  su_open: ["注册成为志愿者", "Sign up as a volunteer"],
  su_open_hint: ["社区居民报名，社区审核通过后即可登录", "For residents: sign up, and log in once your community approves"],

  // The form
  su_title: ["注册成为志愿者", "Sign up as a volunteer"],
  su_intro: [
    "填写以下信息，报名成为您所在社区的志愿者。社区审核通过后，您就可以用自己设置的用户名和密码登录，记录志愿服务。带 * 的为必填项。",
    "Fill in this form to become a volunteer of your community. Once your community approves, you log in with the login name and password you choose here and record your service. Fields marked * are needed.",
  ],
  su_about_you: ["您的信息", "About you"],
  su_community: ["所在社区 *", "Your community *"],
  su_communities_loading: ["正在加载社区列表…", "Loading the communities…"],
  su_communities_failed: ["没有网络，社区列表无法加载。报名需要联网。", "No network: the communities could not be loaded. Signing up needs a connection."],
  su_name: ["姓名 *", "Full name *"],
  su_phone: ["手机号码 *", "Mobile phone *"],
  su_id_type: ["证件类型 *", "ID document *"],
  su_id_number: ["证件号码 *", "ID document number *"],
  su_id_hint: ["居民身份证号码为18位，最后一位可能是X", "A resident ID card number has 18 characters; the last may be X"],
  su_offer: ["您能提供的服务", "What you offer"],
  su_skills: ["服务技能（可多选）", "Skills (choose any)"],
  su_skill_other: ["其他技能（多项用顿号或逗号分开）", "Other skills (separate them with commas)"],
  su_availability: ["可服务时间（可多选）", "When you can serve (choose any)"],
  su_account: ["登录信息", "Your login"],
  su_login: ["登录用户名 *", "Login name *"],
  su_login_hint: ["审核通过后用它登录；不能有空格", "You log in with it once approved; no spaces"],
  su_password: ["密码（至少8个字符） *", "Password (at least 8 characters) *"],
  su_consent_title: ["志愿服务记录说明", "What is recorded, and why"],
  su_consent_text: [
    "根据《志愿服务条例》和民政部《志愿服务记录与证明出具办法（试行）》，社区为志愿者如实记录个人基本信息（姓名、联系电话、证件类型和号码）、服务技能、可服务时间，以及今后参加志愿服务的时间、内容和时长，用于安排服务、认定服务时长和出具志愿服务证明。这些信息不会公开；完整的证件号码只有负责审核的社区督导和您本人能看到。",
    "Under China's Regulations on Volunteer Service and the Ministry of Civil Affairs' rules on volunteer service records and certificates, the community records each volunteer's basic details (name, phone, kind and number of ID document), skills and times offered, and the time, kind and hours of the service they give, to arrange service, approve hours and issue certificates of service. None of it is made public; the whole ID number is seen only by the supervisors who review sign-ups and by you.",
  ],
  su_consent: ["我已阅读以上说明，同意记录 *", "I have read this and agree to it *"],
  su_submit: ["提交报名", "Send my sign-up"],
  su_sending: ["正在提交…", "Sending…"],
  su_back: ["返回登录", "Back to sign-in"],
  su_check_marked: ["请检查标出的项目", "Please check the fields marked"],

  // Sent
  su_sent_title: ["已提交，等待社区审核", "Sent: your community will review it"],
  su_sent_text: [
    "{community}会审核您的报名。审核通过后，请用用户名“{login}”和您设置的密码登录。",
    "{community} will review your sign-up. Once it is approved, log in with the login name “{login}” and the password you chose.",
  ],
  su_sent_number: ["登录后，首页会显示您的志愿者编号。", "Once you log in, your home screen shows your volunteer number."],

  // Refusals, next to the field they are about
  su_err_community: ["请选择所在社区", "Choose your community"],
  su_err_community_gone: ["这个社区现在不接受报名，请重新选择", "This community takes no sign-ups now: choose again"],
  su_err_name: ["请填写姓名（最多50个字）", "Give your name (at most 50 characters)"],
  su_err_phone: ["请填写手机号码（7到15位数字）", "Give a phone number (7 to 15 digits)"],
  su_err_id_type: ["请选择证件类型", "Choose the kind of ID document"],
  su_err_id_number: ["请填写证件号码", "Give the number of your ID document"],
  su_err_id_length: ["居民身份证号码是18位", "A resident ID card number has 18 characters"],
  su_err_id_check: ["身份证号码有误（校验位不符），请逐位核对", "This ID card number is mistyped (its check digit does not match): check each digit"],
  su_err_id_birth: ["身份证号码中的出生日期不存在，请核对", "This ID card number holds no real birth date: check it"],
  su_err_id_other: ["证件号码为5到20位字母或数字", "An ID document number is 5 to 20 letters and digits"],
  su_err_id_taken: ["这个证件已经报过名，不能重复报名", "Someone has signed up with this ID document already"],
  su_err_skills: ["最多10项技能，每项不超过20个字", "At most 10 skills, of at most 20 characters each"],
  su_err_availability: ["请从列出的时间中选择", "Choose among the times listed"],
  su_err_consent: ["请阅读说明并勾选同意", "Read the text above and tick that you agree"],
  su_err_login: ["请设置登录用户名：不含空格、斜杠或冒号，最多50个字符", "Choose a login name without spaces, slashes or colons (at most 50 characters)"],
  su_err_login_taken: ["这个用户名已被使用，请换一个", "This login name is taken: choose another"],
  su_err_password: ["密码至少需要8个字符", "A password needs at least 8 characters"],

  // ID documents (the national volunteer system's list)
  idt_resident_id: ["居民身份证", "Resident ID card"],
  idt_hk_macao_permit: ["港澳居民来往内地通行证", "Mainland travel permit for Hong Kong and Macao residents"],
  idt_taiwan_permit: ["台湾居民来往大陆通行证", "Mainland travel permit for Taiwan residents"],
  idt_passport: ["护照", "Passport"],
  idt_foreign_permanent: ["外国人永久居留身份证", "Foreign permanent resident ID card"],

  // Skills offered as ticks (sent in Chinese, the records' language) and times
  sk_elderly: ["助老", "Elderly care"],
  sk_disability: ["助残", "Disability support"],
  sk_haircut: ["理发", "Haircuts"],
  sk_repair: ["维修", "Repairs"],
  sk_counselling: ["心理疏导", "Counselling"],
  sk_legal: ["法律咨询", "Legal advice"],
  sk_arts: ["文艺", "Arts and performance"],
  sk_nursing: ["医疗护理", "Nursing and health care"],
  av_weekday: ["工作日", "Weekdays"],
  av_weekend: ["周末", "Weekends"],
  av_evening: ["晚上", "Evenings"],
  av_any: ["时间灵活", "Any time"],

  // The supervisor's list (the people tab)
  vs_section: ["志愿者报名", "Volunteer sign-ups"],
  vs_title: ["待审核的志愿者报名", "Sign-ups waiting for review"],
  vs_none: ["没有待审核的报名", "No sign-up is waiting"],
  vs_st_pending: ["待审核", "Waiting"],
  vs_st_approved: ["已批准", "Approved"],
  vs_st_rejected: ["未批准", "Rejected"],
  vs_submitted: ["提交于", "Sent"],
  vs_id: ["证件", "ID"],
  vs_id_masked: ["（部分隐去）", "(partly hidden)"],
  vs_skills: ["技能", "Skills"],
  vs_availability: ["可服务时间", "Available"],
  vs_none_given: ["未填写", "none given"],
  vs_login: ["登录名", "Login name"],
  vs_approve: ["批准", "Approve"],
  vs_approve_label: ["批准{name}的报名", "Approve {name}'s sign-up"],
  vs_reject: ["不批准", "Reject"],
  vs_reject_label: ["不批准{name}的报名", "Reject {name}'s sign-up"],
  vs_reject_reason: ["不批准的原因（必填，记录在案）", "Why not (needed; it is recorded)"],
  vs_reject_confirm: ["确认不批准", "Reject it"],
  vs_reason_needed: ["请写明不批准的原因（最多500字）", "Say why (at most 500 characters)"],
  vs_approved: ["已批准，志愿者编号", "Approved: volunteer number"],
  vs_rejected: ["未批准：{note}", "Rejected: {note}"],
  vs_decided_already: ["这份报名已经有人处理过了", "Someone has decided on this sign-up already"],
  vs_login_taken: ["这个用户名在审核前已被占用：请不批准，并请居民重新报名", "The login name was taken meanwhile: reject this and ask the resident to sign up again"],
  vs_admin_note: ["由所在街道或社区的督导审核；管理员只能查看，证件号码部分隐去。", "The supervisors of the street or community decide; administrators only see the list, with ID numbers partly hidden."],
  vs_list_failed: ["报名列表无法加载（需要联网）", "The sign-ups could not be loaded (it needs a network connection)"],

  // The volunteer's own registration (their home screen)
  vr_title: ["我的志愿者登记", "My volunteer registration"],
  vr_number: ["志愿者编号", "Volunteer number"],
  vr_community: ["所在社区", "Community"],
  vr_skills: ["服务技能", "Skills"],
  vr_availability: ["可服务时间", "When I can serve"],
  vr_approved_on: ["批准日期", "Approved on"],

  // The audit log's words for the sign-up's actions
  act_volunteer_sign_up: ["志愿者报名", "Volunteer signed up"],
  act_volunteer_approve: ["批准志愿者报名", "Volunteer sign-up approved"],
  act_volunteer_reject: ["不批准志愿者报名", "Volunteer sign-up rejected"],
} satisfies Record<string, [string, string]>;

/** The skills offered as ticks: their word's key; what is sent is the Chinese word. */
export const SKILLS = ["elderly", "disability", "haircut", "repair", "counselling", "legal", "arts", "nursing"] as const;
/** The times a volunteer may offer (the server's list). */
export const AVAILABILITY = ["weekday", "weekend", "evening", "any"] as const;
/** The kinds of ID document (the server's list). */
export const ID_TYPES = ["resident_id", "hk_macao_permit", "taiwan_permit", "passport", "foreign_permanent"] as const;

/** The tick a skill was chosen with (its word's key is `sk_<code>`), or none for a skill the
 * resident wrote themselves (shown as written). */
export function skillCode(skill: string): (typeof SKILLS)[number] | undefined {
  return SKILLS.find(k => volunteerWords[`sk_${k}`][0] === skill);
}
