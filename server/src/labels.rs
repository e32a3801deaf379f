//! The words for the codes records hold (tags, states, relations, purposes…), Chinese and
//! English, as exports write them. The web app's i18n (`clients/web/src/i18n.ts` and
//! `words_worker.ts`) holds the same words; change both together. A code without a word here
//! passes through unchanged (free text, or a code from a newer client).

use std::borrow::Cow;

/// What a code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A household's tag (`HOUSEHOLD_TAGS`, and the derived `zero_employment`).
    Tag,
    /// A household's or visit's review state (`REVIEW_STATES`).
    Review,
    /// A volunteer entry's state (`ENTRY_STATES`).
    Entry,
    /// A member's relation to the head (`RELATIONS`).
    Relation,
    /// A member's employment (`EMPLOYMENT`).
    Employment,
    /// A member's gender (`GENDERS`: the apps wrote both `男` and `male`).
    Gender,
    /// What a visit was for (`VISIT_PURPOSES`).
    Purpose,
    /// A visit's needs and a request's category (`REQUEST_CATEGORIES`).
    Need,
    /// A volunteer entry's activity category.
    Activity,
    /// A community facility's category (`FACILITY_CATEGORIES`).
    Facility,
    /// Where a resident total came from (the indicators' `residents_source`).
    Source,
    /// A further figure of an indicator (its `detail` keys).
    Detail,
}

/// (code, Chinese, English).
type Words = &'static [(&'static str, &'static str, &'static str)];

const TAGS: Words = &[
    ("dibao", "低保", "Minimum living allowance"),
    ("tekun", "特困/三无", "Extreme poverty"),
    ("wubao", "五保", "Five guarantees"),
    ("disabled", "残疾", "Disability"),
    ("living_alone", "独居老人", "Elderly living alone"),
    ("empty_nest", "空巢老人", "Empty-nest elderly"),
    ("left_behind", "留守儿童", "Left-behind children"),
    ("migrant", "流动人口", "Migrant"),
    ("youfu", "优抚对象", "Entitled group (youfu)"),
    ("zero_employment", "零就业家庭", "Zero-employment household"),
];

/// A household's or visit's review: "认定" is kept for volunteer hours (时长认定).
const REVIEW: Words = &[
    ("received", "已接收", "Received"),
    ("has_issues", "已退回", "Sent back"),
    ("approved", "已通过", "Approved"),
];

const ENTRY: Words = &[
    ("submitted", "已提交", "Submitted"),
    ("approved", "已认定", "Approved"),
    ("rejected", "未认定", "Rejected"),
    ("has_issues", "需修改", "Has issues"),
];

const RELATION: Words = &[
    ("head", "户主", "Head"),
    ("spouse", "配偶", "Spouse"),
    ("child", "子女", "Child"),
    ("parent", "父母", "Parent"),
    ("grandchild", "孙子女", "Grandchild"),
    ("grandparent", "祖父母", "Grandparent"),
    ("sibling", "兄弟姐妹", "Sibling"),
    ("other", "其他", "Other"),
];

const EMPLOYMENT: Words = &[
    ("employed", "在业", "Employed"),
    ("unemployed", "失业", "Unemployed"),
    ("retired", "退休", "Retired"),
    ("student", "在学", "Student"),
    ("unable", "无劳动能力", "Unable to work"),
];

const GENDER: Words = &[
    ("male", "男", "Male"),
    ("female", "女", "Female"),
    ("男", "男", "Male"),
    ("女", "女", "Female"),
];

const PURPOSE: Words = &[
    ("routine", "日常走访", "Routine visit"),
    ("follow_up", "回访", "Follow-up"),
    ("emergency", "紧急情况", "Emergency"),
    ("policy", "政策宣传", "Policy explanation"),
    ("mediation", "矛盾调解", "Dispute mediation"),
    ("care", "关爱帮扶", "Care and support"),
    ("other", "其他", "Other"),
];

const NEED: Words = &[
    ("elderly", "养老", "Elderly care"),
    ("medical", "医疗", "Medical"),
    ("employment", "就业", "Employment"),
    ("financial", "生活救助", "Financial help"),
    ("housing", "住房", "Housing"),
    ("education", "教育", "Education"),
    ("disability", "助残", "Disability"),
    ("children", "儿童", "Children"),
    ("environment", "环境", "Environment"),
    ("safety", "治安", "Safety"),
    ("dispute", "矛盾纠纷", "Dispute"),
    ("other", "其他", "Other"),
];

const ACTIVITY: Words = &[
    ("elderly", "助老", "Elderly care"),
    ("children", "关爱儿童", "Children"),
    ("disability", "助残", "Disability"),
    ("environment", "环境卫生", "Environment"),
    ("safety", "平安建设", "Safety"),
    ("culture", "文体活动", "Culture"),
    ("other", "其他", "Other"),
];

const FACILITY: Words = &[
    ("classroom", "居民课堂", "Residents' classroom"),
    ("culture", "综合文体站（室）", "Culture and sports room"),
    ("library", "图书阅览室", "Reading room"),
    ("notice_board", "公共信息栏", "Public notice board"),
    ("fitness", "体育健身设施", "Fitness facilities"),
    ("charity_supermarket", "慈善超市", "Charity supermarket"),
];

const SOURCE: Words = &[
    ("stated", "社区填报", "the community's stated total"),
    ("registered", "登记在册", "registered residents"),
    ("mixed", "填报与登记", "stated and registered"),
];

const DETAIL: Words = &[
    ("unknown_age", "年龄不详", "age unknown"),
    ("rural_elderly", "农村60岁以上", "village residents 60+"),
    ("rural_with_record", "其中已建档", "of them with a record"),
    ("new", "期内新增", "new in the period"),
    ("resolved", "期内解决", "resolved in the period"),
    (
        "mean_days_to_resolve",
        "平均解决天数",
        "mean days to resolve",
    ),
    ("residents_source", "居民数来源", "residents from"),
    ("since", "认定日期", "recognised since"),
    ("source", "来源", "source"),
    ("as_of", "数据日期", "figures of"),
    ("missing", "缺少", "missing"),
    ("satisfied", "满意", "satisfied"),
    ("basically_satisfied", "基本满意", "basically satisfied"),
    ("dissatisfied", "不满意", "dissatisfied"),
    ("finished", "期内办结", "finished in the period"),
    ("entered", "录入数据", "entered figure"),
];

fn table(kind: Code) -> Words {
    match kind {
        Code::Tag => TAGS,
        Code::Review => REVIEW,
        Code::Entry => ENTRY,
        Code::Relation => RELATION,
        Code::Employment => EMPLOYMENT,
        Code::Gender => GENDER,
        Code::Purpose => PURPOSE,
        Code::Need => NEED,
        Code::Activity => ACTIVITY,
        Code::Facility => FACILITY,
        Code::Source => SOURCE,
        Code::Detail => DETAIL,
    }
}

/// The word for `code` (the code itself when it has none).
pub fn word(kind: Code, code: &str, english: bool) -> Cow<'_, str> {
    match table(kind).iter().find(|(c, _, _)| *c == code) {
        Some((_, zh, en)) => Cow::Borrowed(if english { en } else { zh }),
        None => Cow::Borrowed(code),
    }
}

/// The code a person's word stands for (the code itself, the Chinese or the English word,
/// compared ignoring ASCII case), as a sheet may write it.
pub fn code_of(kind: Code, text: &str) -> Option<&'static str> {
    let text = text.trim();
    table(kind)
        .iter()
        .find(|(c, zh, en)| *c == text || *zh == text || en.eq_ignore_ascii_case(text))
        .map(|(c, _, _)| *c)
}

/// What separates the items of a list: `、` in Chinese, `, ` in English.
pub fn list_separator(english: bool) -> &'static str {
    if english {
        ", "
    } else {
        "、"
    }
}

/// A comma-separated list of codes (tags, needs) as words: `低保、残疾` or
/// `Minimum living allowance, Disability`.
pub fn words(kind: Code, codes: &str, english: bool) -> String {
    codes
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| word(kind, c, english))
        .collect::<Vec<_>>()
        .join(list_separator(english))
}

/// 是 / 否, yes / no.
pub fn yes_no(value: bool, english: bool) -> &'static str {
    match (value, english) {
        (true, false) => "是",
        (false, false) => "否",
        (true, true) => "yes",
        (false, true) => "no",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_sync_core::contract::fields;

    /// Every code the contract lists has a word in both languages.
    #[test]
    fn every_contract_code_has_words() {
        let lists: [(Code, Vec<&str>); 7] = [
            (Code::Tag, fields::HOUSEHOLD_TAGS.to_vec()),
            (Code::Review, fields::REVIEW_STATES.to_vec()),
            (Code::Entry, fields::ENTRY_STATES.to_vec()),
            (Code::Relation, fields::RELATIONS.to_vec()),
            (Code::Employment, fields::EMPLOYMENT.to_vec()),
            (Code::Purpose, fields::VISIT_PURPOSES.to_vec()),
            (
                Code::Need,
                fields::REQUEST_CATEGORIES.iter().map(|(c, _)| *c).collect(),
            ),
        ];
        for (kind, codes) in lists {
            for code in codes.into_iter().filter(|c| !c.is_empty()) {
                assert_ne!(word(kind, code, false), code, "{kind:?} {code}");
                assert_ne!(word(kind, code, true), code, "{kind:?} {code}");
            }
        }
        for code in fields::FACILITY_CATEGORIES {
            assert_ne!(word(Code::Facility, code, false), *code);
        }
    }

    #[test]
    fn lists_and_unknown_codes() {
        assert_eq!(words(Code::Tag, "dibao,disabled", false), "低保、残疾");
        assert_eq!(
            words(Code::Need, "medical,housing", true),
            "Medical, Housing"
        );
        assert_eq!(word(Code::Purpose, "看望老人", false), "看望老人");
        assert_eq!(words(Code::Tag, "", false), "");
    }
}
