//! A demo county for `linli-server --demo`: communities with facilities and civil organisations
//! (民间组织), households with residents and visit logs (民情日志), volunteers with service hours,
//! and service requests, in the org tree `c01` → `c01/s01` → `c01/s01/m01` → `c01/s01/m01/g01`.
//!
//! [`generate`] is pure: no IO, no clock, no global randomness. Everything, ids included, comes
//! from one `StdRng` seeded by the caller, and every change is authored by one demo actor and
//! dated before `today`, so the same seed, date and size give byte-identical documents (for one
//! version of `rand` and `automerge`). Odd-numbered streets are urban (社区, flats), even-numbered
//! ones rural (村, house numbers). Each record goes through the typed records of the data
//! contract; households and requests carry a short history (registration, then each visit or
//! log step as its own change).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use linli_sync_core::automerge::transaction::CommitOptions;
use linli_sync_core::automerge::{ActorId, AutoCommit, Automerge};
use linli_sync_core::autosurgeon::{reconcile, Reconcile};
use linli_sync_core::calendar;
use linli_sync_core::contract::{
    Community, EmploymentSpell, Entry, EntryReview, Facility, HealthFigures, Household, LogItem,
    Member, Organization, Request, Review, Tags, Training, Visit, Volunteer, SCHEMA_VERSION,
};
use linli_sync_core::DocumentId;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

/// Size knobs for the demo county.
#[derive(Clone, Debug)]
pub struct DemoSize {
    pub streets: usize,
    pub communities_per_street: usize,
    pub grids_per_community: usize,
    pub households_per_grid: usize,
    /// A minimum: a community registers 5–10 % of its residents as volunteers when that is more.
    pub volunteers_per_community: usize,
}

impl Default for DemoSize {
    /// 2 streets × 2 communities × 3 grids × 25 households = 300 households.
    fn default() -> Self {
        Self {
            streets: 2,
            communities_per_street: 2,
            grids_per_community: 3,
            households_per_grid: 25,
            volunteers_per_community: 12,
        }
    }
}

/// One generated document: its id and its full automerge document (all changes authored by
/// a fixed demo actor id so the output is deterministic).
pub struct DemoDocument {
    pub id: DocumentId,
    pub doc: Automerge,
}

// Word lists are whitespace-separated, picked with `Gen::word`.
const SURNAMES: &str = "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋";
/// Given names of people born before 1975 and after, for men (M) and women (F).
const GIVEN_OLD_M: &str = "建国 国庆 德福 志强 建华 永强 长林 富贵 军 勇";
const GIVEN_OLD_F: &str = "秀英 桂兰 玉兰 淑珍 凤英 秀珍 桂芳 丽 芳 敏";
const GIVEN_NEW_M: &str = "浩然 子轩 宇航 文博 俊杰 磊 涛 海波 晓东 一鸣";
const GIVEN_NEW_F: &str = "欣怡 梓涵 雨萱 佳怡 婷婷 静 海燕 晓红 丽娟 雪梅";
const PHONE_PREFIXES: &str = "138 139 135 136 150 151 158 186 187 133 189 177";
const URBAN_STEMS: &[&str] = &[
    "幸福", "和平", "阳光", "新华", "光明", "友谊", "建设", "团结",
];
const RURAL_STEMS: &[&str] = &["李家", "王庄", "张湾", "刘河", "杨柳", "石桥", "桃园"];

/// (name, category) of community facilities; the notice board is always there.
const FACILITIES: &[(&str, &str)] = &[
    ("公共信息栏", "notice_board"),
    ("居民课堂", "classroom"),
    ("综合文体站", "culture"),
    ("图书阅览室", "library"),
    ("体育健身设施", "fitness"),
    ("慈善超市", "charity_supermarket"),
    ("日间照料中心", "elderly_care"),
];
/// (name after the community's, category) of civil organisations (民间组织).
const ORGANIZATIONS: &[(&str, &str)] = &[
    ("夕阳红志愿服务队", "volunteer"),
    ("老年协会", "elderly"),
    ("书画社", "culture"),
    ("广场舞队", "culture"),
    ("邻里互助会", "mutual_aid"),
    ("人民调解委员会", "mediation"),
    ("青少年读书会", "youth"),
];

/// (purpose, notes) of visits; the first two suit any household.
#[rustfmt::skip]
const VISITS: &[(&str, &str)] = &[
    ("入户走访", "家庭情况稳定，无特殊困难 核实家庭成员信息，更新联系电话 反映楼道路灯损坏，已报物业"),
    ("政策宣传", "宣传城乡居民医保缴费政策 讲解高龄津贴申领流程 宣传垃圾分类和防范电信诈骗"),
    ("困难帮扶", "送去米面油等慰问品 协助填写临时救助申请表 了解就业意向，登记求职信息"),
    ("健康随访", "测量血压，提醒按时服药 腿脚不便，建议申请居家养老服务 协助签约家庭医生"),
];
const HOUSEHOLD_ISSUES: &str =
    "户主身份证后四位与户籍信息不符，请核实 缺少家庭成员联系电话 走访记录过于简略，请补充困难情况";

const SKILLS: &str = "陪护 助餐 心理疏导 法律咨询 文体活动 维修 理发";
/// (category, weight, activities) of volunteer service.
const ACTIVITIES: &[(&str, u32, &str)] = &[
    ("elderly", 4, "探访独居老人 为老人助餐送餐 陪同老人就医"),
    ("disability", 1, "助残上门服务 协助残疾人康复训练"),
    ("children", 2, "四点半课堂作业辅导 青少年防溺水安全教育"),
    ("environment", 2, "清理楼道杂物 垃圾分类宣传 河道巡查保洁"),
    ("culture", 2, "组织广场舞活动 社区读书会 书法兴趣班"),
];
const ENTRY_ISSUES: &str = "服务时长与签到记录不符，请核实 请补充服务对象和地点";
const ENTRY_REJECTS: &str = "同一时段已登记其他服务 不属于志愿服务范围";

/// (category, description, how it was resolved) of service requests.
#[rustfmt::skip]
const REQUESTS: &[(&str, &str, &str)] = &[
    ("就业", "家中有人失业，希望推荐附近的工作岗位", "已推荐到辖区企业，本人已上岗"),
    ("就业", "想参加免费的职业技能培训", "已报名县人社局免费技能培训班"),
    ("医疗", "老人患慢性病行动不便，希望医生上门", "已联系卫生服务站上门签约家庭医生"),
    ("医疗", "住院费用负担重，咨询医疗救助", "已协助申请医疗救助，报销材料已提交"),
    ("养老", "独居老人希望申请老年助餐服务", "已办理助餐卡，由志愿者送餐"),
    ("养老", "老人白天无人照看，咨询日间照料", "已安排到社区日间照料中心"),
    ("住房", "房屋漏雨，申请维修", "已协调维修队上门修缮"),
    ("住房", "咨询公租房申请条件", "已讲解申请条件并协助准备材料"),
    ("救助", "家庭收入低，申请低保", "低保申请已受理，入户核查完成"),
    ("救助", "突发疾病导致生活困难，申请临时救助", "临时救助金已发放"),
];

/// A plausible Chinese name for a demo staff account (grid worker, supervisor, admin), the
/// same for the same login on every demo server.
pub fn staff_name(login: &str) -> String {
    // FNV-1a: a fixed hash, so the name does not change between builds.
    let h = login.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let surnames: Vec<&str> = SURNAMES.split_whitespace().collect();
    let given: Vec<&str> = if h & 1 == 0 { GIVEN_NEW_F } else { GIVEN_NEW_M }
        .split_whitespace()
        .collect();
    let s = surnames[(h >> 8) as usize % surnames.len()];
    let g = given[(h >> 32) as usize % given.len()];
    format!("{s}{g}")
}

/// Generates the whole county deterministically from `seed`, with `today` as "YYYY-MM-DD"
/// (visits, hours and follow-ups are dated in the months before it).
///
/// # Panics
/// If `today` is not a valid `YYYY-MM-DD` date.
pub fn generate(seed: u64, today: &str, size: &DemoSize) -> Vec<DemoDocument> {
    let day = parse_date(today)
        .unwrap_or_else(|| panic!("demo: `today` must be YYYY-MM-DD, not {today:?}"));
    let mut g = Gen::new(seed, day);
    let mut out = Vec::new();
    let (mut urban, mut rural) = (0, 0);
    for s in 1..=size.streets {
        let is_rural = s % 2 == 0;
        for m in 1..=size.communities_per_street {
            let name = if is_rural {
                rural += 1;
                place_name(RURAL_STEMS, rural - 1, "村")
            } else {
                urban += 1;
                place_name(URBAN_STEMS, urban - 1, "社区")
            };
            let org = format!("c01/s{s:02}/m{m:02}");
            g.community(&org, &name, is_rural, size, &mut out);
        }
    }
    out
}

/// The household shapes the demo draws from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One resident aged 65+ (独居老人).
    AloneElder,
    /// An elderly couple whose children live elsewhere (空巢).
    ElderCouple,
    /// A young single or couple.
    Young,
    /// Parents and children.
    Nuclear,
    /// Parents, children and grandparents.
    ThreeGen,
    /// Grandparents raising grandchildren while the parents work away (留守, rural only).
    LeftBehind,
    /// Working-age adults none of whom is employed (零就业家庭), on 低保.
    Hardship,
}

const SHAPES: &[(Shape, u32)] = &[
    (Shape::AloneElder, 8),
    (Shape::ElderCouple, 10),
    (Shape::Young, 12),
    (Shape::Nuclear, 41),
    (Shape::ThreeGen, 22),
    (Shape::LeftBehind, 4),
    (Shape::Hardship, 3),
];

/// A grid (网格): its org path, its worker and supervisor, and how often its households are
/// visited (0–1).
struct Grid {
    org: String,
    worker: String,
    sup: String,
    rural: bool,
    diligence: f64,
}

/// Seconds since the Unix epoch (UTC).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Moment(i64);

impl Moment {
    fn day(self) -> i64 {
        self.0.div_euclid(86_400)
    }
    fn iso(self) -> String {
        let (day, secs) = (date(self.day()), self.0.rem_euclid(86_400));
        format!("{day}T{:02}:{:02}:00Z", secs / 3600, secs % 3600 / 60)
    }
}

/// The generator's state: the one RNG, the date and the demo actor.
struct Gen {
    rng: StdRng,
    today: i64,
    year: i64,
    actor: ActorId,
}

impl Gen {
    fn new(seed: u64, today: i64) -> Self {
        let mut actor = [0u8; 16];
        actor[..8].copy_from_slice(b"linlidem");
        actor[8..].copy_from_slice(&seed.to_be_bytes());
        Self {
            rng: StdRng::seed_from_u64(seed),
            today,
            year: date(today)[..4].parse().unwrap_or(2026),
            actor: ActorId::from(actor),
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items
            .choose(&mut self.rng)
            .expect("demo lists are not empty")
    }

    /// One word of a whitespace-separated list.
    fn word(&mut self, list: &'static str) -> &'static str {
        let words: Vec<&'static str> = list.split_whitespace().collect();
        self.pick(&words)
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let mut roll = self
            .rng
            .random_range(0..items.iter().map(|i| i.1).sum::<u32>());
        for (item, weight) in items {
            if roll < *weight {
                return *item;
            }
            roll -= weight;
        }
        unreachable!("roll is below the total weight")
    }

    /// `n` distinct short hex ids, sorted.
    fn ids(&mut self, n: usize) -> Vec<String> {
        let mut ids = BTreeSet::new();
        while ids.len() < n {
            ids.insert(format!("{:08x}", self.rng.random::<u32>()));
        }
        ids.into_iter().collect()
    }

    /// A moment in working hours (08:00–17:45 Beijing time) on `day`.
    fn on(&mut self, day: i64) -> Moment {
        Moment(
            day * 86_400 + self.rng.random_range(0..10) * 3600 + self.rng.random_range(0..4) * 900,
        )
    }

    /// A moment on a day `days_ago` before today.
    fn ago(&mut self, days_ago: RangeInclusive<i64>) -> Moment {
        let day = self.today - self.rng.random_range(days_ago);
        self.on(day)
    }

    /// A moment 1 to `max_days` days after `after`, but before today.
    fn later(&mut self, after: Moment, max_days: i64) -> Moment {
        let day = (after.day() + self.rng.random_range(1..=max_days)).min(self.today - 1);
        if day <= after.day() {
            Moment(after.0 + 3600)
        } else {
            self.on(day)
        }
    }

    /// A document whose history is each snapshot of `history` committed at its moment.
    fn document<R: Reconcile>(&mut self, history: &[(R, Moment)]) -> DemoDocument {
        let id = DocumentId::from_bytes(self.rng.random());
        let mut doc = AutoCommit::new().with_actor(self.actor.clone());
        for (record, at) in history {
            reconcile(&mut doc, record).expect("a typed record reconciles onto a map root");
            doc.commit_with(CommitOptions::default().with_time(at.0));
        }
        DemoDocument {
            id,
            doc: doc.document().clone(),
        }
    }

    /// One community: its households, then its community document, volunteers and requests.
    fn community(
        &mut self,
        org: &str,
        name: &str,
        rural: bool,
        size: &DemoSize,
        out: &mut Vec<DemoDocument>,
    ) {
        let sup = format!("sup-{}", org.replace('/', "-"));
        let buildings_per_grid = (size.households_per_grid * 3).div_ceil(24) as i64;
        let mut households = Vec::new();
        for gi in 1..=size.grids_per_community as i64 {
            let grid = Grid {
                org: format!("{org}/g{gi:02}"),
                worker: format!("worker-{}-g{gi:02}", org.replace('/', "-")),
                sup: sup.clone(),
                rural,
                diligence: self.rng.random_range(0.4..1.0),
            };
            let mut slot = 0;
            for _ in 0..size.households_per_grid {
                slot += self.rng.random_range(1..=3);
                let address = if rural {
                    format!("{name} {gi}组{slot}号")
                } else {
                    let flat = slot - 1;
                    let building = (gi - 1) * buildings_per_grid + flat / 24 + 1;
                    let (unit, floor, room) = (flat % 24 / 12 + 1, flat % 12 / 2 + 1, flat % 2 + 1);
                    format!("{name} {building}栋{unit}单元{floor}0{room}室")
                };
                households.push(self.household(&grid, address));
            }
        }
        let residents: usize = households.iter().map(|(_, h)| h.members.len()).sum();
        out.push(self.community_doc(org, name, rural, residents as i64));
        let share = self.rng.random_range(0.05..0.10);
        let volunteers = size
            .volunteers_per_community
            .max((residents as f64 * share).round() as usize);
        for n in 1..=volunteers {
            out.push(self.volunteer(org, n, &sup));
        }
        if !households.is_empty() {
            for _ in 0..self.rng.random_range(3..=6) {
                let (doc, household) = households.choose(&mut self.rng).expect("not empty");
                let request = self.request(doc.id, household, &sup);
                out.push(request);
            }
        }
        out.extend(households.into_iter().map(|(doc, _)| doc));
    }

    /// A community document with most facilities and 1–4 civil organisations.
    fn community_doc(
        &mut self,
        org: &str,
        name: &str,
        rural: bool,
        residents: i64,
    ) -> DemoDocument {
        let mut facilities = BTreeMap::new();
        for (id, &(name, category)) in self.ids(FACILITIES.len()).into_iter().zip(FACILITIES) {
            if category == "notice_board" || self.chance(0.8) {
                let (name, category) = (name.to_string(), category.to_string());
                facilities.insert(id, Facility { name, category });
            }
        }
        let count = self.rng.random_range(1..=4);
        let chosen: Vec<_> = ORGANIZATIONS
            .choose_multiple(&mut self.rng, count)
            .collect();
        let mut organizations = BTreeMap::new();
        for (id, (suffix, category)) in self.ids(chosen.len()).into_iter().zip(chosen) {
            let organization = Organization {
                name: format!("{name}{suffix}"),
                category: category.to_string(),
                registered: self.chance(0.6),
            };
            organizations.insert(id, organization);
        }
        let record = Community {
            kind: "community".into(),
            schema: SCHEMA_VERSION,
            org: org.into(),
            name: name.into(),
            residents,
            rural,
            // About half the communities are recognised provincial demonstration communities.
            demonstration_since: self
                .chance(0.5)
                .then(|| date(self.today - self.rng.random_range(30..=700))),
            facilities,
            organizations,
            health_figures: BTreeMap::from([(
                "h1".to_string(),
                HealthFigures {
                    as_of: date(self.today - self.rng.random_range(20..=80)),
                    coverage_permille: Some(self.rng.random_range(900..=990)),
                    outpatient_permille: Some(self.rng.random_range(400..=650)),
                    source: "县卫生健康局季度统计".into(),
                },
            )]),
            // Some communities visit those living alone twice a week; the rest keep the
            // defaults.
            follow_up_rules: if self.chance(0.3) {
                BTreeMap::from([("living_alone".to_string(), 3)])
            } else {
                BTreeMap::new()
            },
        };
        let created = self.ago(400..=900);
        self.document(&[(record, created)])
    }

    /// A household: registration, then one change per visit, then maybe a supervisor's review.
    fn household(&mut self, grid: &Grid, address: String) -> (DemoDocument, Household) {
        let mut shape = self.weighted(SHAPES);
        if shape == Shape::LeftBehind && !grid.rural {
            shape = Shape::ThreeGen;
        }
        let mut tags = Tags::new();
        if matches!(shape, Shape::AloneElder | Shape::ElderCouple) {
            tags.insert("empty_nest".into(), true);
        }
        if shape == Shape::Hardship || self.chance(0.02) {
            tags.insert("dibao".into(), true);
        }
        let people = self.people(shape);
        let members = self.ids(people.len()).into_iter().zip(people).collect();
        let mut record = Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: grid.org.clone(),
            address,
            tags,
            members,
            ..Household::default()
        };
        let mut history = vec![(record.clone(), self.ago(120..=700))];
        let needs: Vec<&str> = needs_of(&record, self.year).iter().map(|n| n.0).collect();
        // Households with needs are visited more often; diligent workers come by more.
        let mut days = Vec::new();
        for _ in 0..if needs.is_empty() { 2 } else { 4 } {
            if self.chance(grid.diligence) {
                days.push(self.rng.random_range(1..=90));
            }
        }
        days.sort_unstable_by(|a, b| b.cmp(a));
        days.dedup();
        for (id, days_ago) in self.ids(days.len()).into_iter().zip(days) {
            let at = self.ago(days_ago..=days_ago);
            record.visits.push(self.visit(id, at, &grid.worker, &needs));
            history.push((record.clone(), at));
        }
        if self.chance(0.25) {
            let at = self.later(history.last().expect("registered").1, 20);
            record.review = Some(self.review(at, &grid.sup));
            history.push((record.clone(), at));
        }
        (self.document(&history), record)
    }

    /// A visit at `at`, noting one of the household's `needs` now and then.
    fn visit(&mut self, id: String, at: Moment, by: &str, needs: &[&str]) -> Visit {
        let (purpose, notes) = self.pick(if needs.is_empty() {
            &VISITS[..2]
        } else {
            VISITS
        });
        let needs: Vec<String> = if !needs.is_empty() && self.chance(0.5) {
            vec![self.pick(needs).into()]
        } else {
            vec![]
        };
        // Most follow-ups already due were done; a few are left overdue.
        let due = at.day() + self.rng.random_range(7..=30);
        let open = due >= self.today || self.chance(0.3);
        let follow_up = (!needs.is_empty() && open && self.chance(0.6)).then(|| date(due));
        Visit {
            id,
            at: at.iso(),
            by: by.into(),
            purpose: purpose.into(),
            notes: self.word(notes).into(),
            needs,
            follow_up,
            review: None,
            location: None,
        }
    }

    /// A supervisor's review of a household record.
    fn review(&mut self, at: Moment, by: &str) -> Review {
        let status = self.weighted(&[("approved", 12), ("received", 5), ("has_issues", 3)]);
        let note = match status {
            "has_issues" => self.word(HOUSEHOLD_ISSUES),
            "approved" => "信息完整",
            _ => "",
        };
        Review {
            status: status.into(),
            note: note.into(),
            by: by.into(),
            at: at.iso(),
        }
    }

    /// The residents of a household of `shape`, head first.
    fn people(&mut self, shape: Shape) -> Vec<Member> {
        let family = self.word(SURNAMES);
        let hardship = shape == Shape::Hardship;
        let mut out = Vec::new();
        let head_age = match shape {
            Shape::AloneElder => self.rng.random_range(65..=92),
            Shape::ElderCouple => self.rng.random_range(62..=86),
            Shape::Young => self.rng.random_range(22..=40),
            Shape::LeftBehind => self.rng.random_range(58..=76),
            Shape::Nuclear | Shape::ThreeGen | Shape::Hardship => self.rng.random_range(28..=55),
        };
        let head_female = if shape == Shape::AloneElder {
            self.chance(0.65)
        } else {
            self.chance(0.25)
        };
        let mut head = self.person("head", head_age, head_female, family, hardship);
        if shape == Shape::AloneElder {
            head.tags.insert("living_alone".into(), true);
        }
        out.push(head);
        let spouse_chance = match shape {
            Shape::AloneElder => 0.0,
            Shape::ElderCouple => 1.0,
            Shape::Young | Shape::Hardship => 0.5,
            Shape::LeftBehind => 0.6,
            Shape::Nuclear | Shape::ThreeGen => 0.9,
        };
        if self.chance(spouse_chance) {
            let age = (head_age + self.rng.random_range(-4..=2))
                .max(if shape == Shape::ElderCouple { 60 } else { 20 });
            let surname = self.word(SURNAMES);
            out.push(self.person("spouse", age, !head_female, surname, hardship));
        }
        if shape == Shape::ThreeGen {
            for _ in 0..self.rng.random_range(1..=2) {
                let age = head_age + self.rng.random_range(22..=32);
                let female = self.chance(0.6);
                let surname = if female { self.word(SURNAMES) } else { family };
                out.push(self.person("parent", age, female, surname, false));
            }
        }
        let (relation, children, ages) = match shape {
            Shape::Nuclear | Shape::ThreeGen => (
                "child",
                self.rng.random_range(1..=2),
                0..=(head_age - 22).min(24),
            ),
            Shape::Hardship => (
                "child",
                self.rng.random_range(0..=2),
                0..=(head_age - 22).min(17),
            ),
            Shape::LeftBehind => ("grandchild", self.rng.random_range(1..=2), 3..=15),
            _ => ("child", 0, 0..=0),
        };
        for _ in 0..children.min(5 - out.len()) {
            let age = self.rng.random_range(ages.clone());
            let female = self.chance(0.5);
            let mut child = self.person(relation, age, female, family, false);
            if shape == Shape::LeftBehind {
                child.tags.insert("left_behind".into(), true);
            }
            out.push(child);
        }
        out
    }

    /// A Chinese name typical of someone born in `birth_year`.
    fn name(&mut self, birth_year: i64, female: bool, surname: Option<&str>) -> String {
        let given = match (birth_year < 1975, female) {
            (true, false) => GIVEN_OLD_M,
            (true, true) => GIVEN_OLD_F,
            (false, false) => GIVEN_NEW_M,
            (false, true) => GIVEN_NEW_F,
        };
        let surname = surname.unwrap_or_else(|| self.word(SURNAMES));
        format!("{surname}{}", self.word(given))
    }

    /// One resident with an employment, health record and contact details plausible for `age`.
    fn person(
        &mut self,
        relation: &str,
        age: i64,
        female: bool,
        surname: &str,
        hardship: bool,
    ) -> Member {
        let birth_year = self.year - age;
        let employment = if age < 18 || (age <= 22 && self.chance(0.6)) {
            "student"
        } else if age >= 60 {
            let working = if age < 70 { 10 } else { 0 };
            self.weighted(&[("retired", 84), ("employed", working), ("unable", 6)])
        } else if hardship {
            self.weighted(&[("unemployed", 7), ("unable", 3)])
        } else if age >= 55 && self.chance(0.3) {
            "retired"
        } else {
            self.weighted(&[("employed", 91), ("unemployed", 5), ("unable", 4)])
        };
        let mut tags = Tags::new();
        if (employment == "unable" && self.chance(0.7)) || self.chance(0.01) {
            tags.insert("disabled".into(), true);
        }
        let health_record = self.chance(if age >= 60 { 0.94 } else { 0.7 });
        let phone = if age < 14 || (age >= 80 && self.chance(0.5)) {
            String::new()
        } else {
            let number = self.rng.random_range(0..10_000);
            format!("{}****{number:04}", self.word(PHONE_PREFIXES))
        };
        let serial = self.rng.random_range(0..1000);
        let id_tail = format!("{serial:03}{}", self.word("0 1 2 3 4 5 6 7 8 9 X"));
        let (employment_history, trainings) = self.employment_story(employment, age);
        Member {
            name: self.name(birth_year, female, Some(surname)),
            gender: if female { "女" } else { "男" }.into(),
            birth_year: Some(birth_year),
            relation: relation.into(),
            id_tail,
            phone,
            employment: employment.into(),
            employment_history,
            trainings,
            health_record,
            tags,
            ..Member::default()
        }
    }

    /// The dated side of a member's employment: the unemployed lost work on a recorded day
    /// (half of them trained since); some of the employed were out of work earlier this year
    /// and found it again, most after a training.
    fn employment_story(
        &mut self,
        employment: &str,
        age: i64,
    ) -> (
        BTreeMap<String, EmploymentSpell>,
        BTreeMap<String, Training>,
    ) {
        let (mut history, mut trainings) = (BTreeMap::new(), BTreeMap::new());
        let spell = |since: i64, status: &str| EmploymentSpell {
            since: date(since),
            status: status.into(),
        };
        let training = |on: i64| Training {
            on: date(on),
            course: "就业技能培训".into(),
        };
        if employment == "unemployed" {
            let since = self.today - self.rng.random_range(20..=400);
            history.insert("e1".to_string(), spell(since, "unemployed"));
            if self.chance(0.5) {
                let on = self.rng.random_range(since + 1..self.today);
                trainings.insert("t1".to_string(), training(on));
            }
        } else if employment == "employed" && (18..60).contains(&age) && self.chance(0.08) {
            let lost = self.today - self.rng.random_range(120..=330);
            let found = lost + self.rng.random_range(30..=110);
            history.insert("e1".to_string(), spell(lost, "unemployed"));
            history.insert("e2".to_string(), spell(found, "employed"));
            if self.chance(0.7) {
                let on = self.rng.random_range(lost + 1..found);
                trainings.insert("t1".to_string(), training(on));
            }
        }
        (history, trainings)
    }

    /// A volunteer registered a while ago, with 0–12 entries of the last 90 days.
    fn volunteer(&mut self, org: &str, n: usize, sup: &str) -> DemoDocument {
        let female = self.chance(0.6);
        let age = if self.chance(0.4) {
            self.rng.random_range(55..=72)
        } else {
            self.rng.random_range(18..=54)
        };
        let name = self.name(self.year - age, female, None);
        let count = self.rng.random_range(1..=3);
        let all: Vec<&str> = SKILLS.split_whitespace().collect();
        let skills = all
            .choose_multiple(&mut self.rng, count)
            .map(|s| s.to_string())
            .collect();
        let mut record = Volunteer {
            kind: "volunteer".into(),
            schema: SCHEMA_VERSION,
            org: org.into(),
            user: format!("vol-{}-{n:02}", org.replace('/', "-")),
            name,
            registered_on: None,
            skills,
            entries: BTreeMap::new(),
        };
        let registered = self.ago(100..=700);
        record.registered_on = Some(date(registered.day()));
        let mut history = vec![(record.clone(), registered)];
        let count = self.rng.random_range(0..=12);
        let mut latest = registered;
        for id in self.ids(count) {
            let (entry, at) = self.entry(sup);
            latest = latest.max(at);
            record.entries.insert(id, entry);
        }
        if count > 0 {
            history.push((record, latest));
        }
        self.document(&history)
    }

    /// One entry of service hours and the moment of its last update.
    fn entry(&mut self, sup: &str) -> (Entry, Moment) {
        let (category, _, activities) = *ACTIVITIES
            .choose_weighted(&mut self.rng, |a| a.1)
            .expect("weights are positive");
        let days_ago = self.rng.random_range(1..=90);
        let done = self.ago(days_ago..=days_ago);
        let source = self.weighted(&[("self", 16), ("checkin", 3), ("supervisor", 1)]);
        let status = if source == "supervisor" {
            "approved"
        } else if days_ago <= 14 && self.chance(0.6) {
            "submitted"
        } else {
            self.weighted(&[("approved", 44), ("has_issues", 3), ("rejected", 3)])
        };
        let (review, last) = if status == "submitted" {
            (None, done)
        } else {
            let at = self.later(done, 5);
            let note = match status {
                "has_issues" => self.word(ENTRY_ISSUES),
                "rejected" => self.word(ENTRY_REJECTS),
                _ => "",
            };
            (
                Some(EntryReview {
                    by: sup.into(),
                    at: at.iso(),
                    note: note.into(),
                }),
                at,
            )
        };
        let entry = Entry {
            date: date(done.day()),
            minutes: self.rng.random_range(2..=16) * 15,
            activity: self.word(activities).into(),
            category: category.into(),
            source: source.into(),
            status: status.into(),
            review,
        };
        (entry, last)
    }

    /// A request about `household`, opened by its grid worker and taken as far towards its
    /// target status (open → assigned → resolved → closed) as the days before today allow.
    fn request(&mut self, household: DocumentId, h: &Household, sup: &str) -> DemoDocument {
        let mut categories: Vec<&str> = needs_of(h, self.year).iter().map(|n| n.1).collect();
        categories.push("住房");
        let category = self.pick(&categories);
        let fitting: Vec<_> = REQUESTS.iter().filter(|r| r.0 == category).collect();
        let &(_, description, resolution) = self.pick(&fitting);
        let worker = format!("worker-{}", h.org.replace('/', "-"));
        let target = self.weighted(&[(0, 2), (1, 3), (2, 3), (3, 2)]);
        let steps = [
            ("open", worker.as_str(), "入户登记诉求，已录入系统", 0),
            ("assigned", sup, "已指派网格员跟进办理", 3),
            ("resolved", worker.as_str(), resolution, 12),
            ("closed", sup, "电话回访，居民表示满意，办结", 5),
        ];
        let mut record = Request {
            kind: "request".into(),
            schema: SCHEMA_VERSION,
            org: h.org.clone(),
            household: Some(household.to_string()),
            category: category.into(),
            description: description.into(),
            ..Request::default()
        };
        let mut history = Vec::new();
        let mut at = self.ago(1..=60);
        for (status, by, text, max_gap) in steps.into_iter().take(target + 1) {
            if max_gap > 0 {
                let day = at.day() + self.rng.random_range(1..=max_gap);
                if day >= self.today {
                    break;
                }
                at = self.on(day);
            }
            if status == "assigned" {
                record.assignee = Some(worker.clone());
            }
            record.status = status.into();
            record.log.push(LogItem {
                at: at.iso(),
                by: by.into(),
                text: text.into(),
                status: Some(status.into()),
            });
            if status == "resolved" && self.chance(0.8) {
                let how = self.weighted(&[
                    ("satisfied", 70),
                    ("basically_satisfied", 22),
                    ("dissatisfied", 8),
                ]);
                record.satisfaction = how.into();
            }
            history.push((record.clone(), at));
            if status == "assigned" && target > 1 && at.day() + 1 < self.today && self.chance(0.5) {
                at = self.on(at.day() + 1);
                record.log.push(LogItem {
                    at: at.iso(),
                    by: worker.clone(),
                    text: "已电话联系居民，约定上门时间".into(),
                    status: None,
                });
                history.push((record.clone(), at));
            }
        }
        self.document(&history)
    }
}

/// The needs a grid worker would note for this household, with the request category each
/// leads to.
fn needs_of(h: &Household, year: i64) -> Vec<(&'static str, &'static str)> {
    let any = |f: &dyn Fn(&Member) -> bool| h.members.values().any(f);
    let tagged = |tag: &str| h.tags.contains_key(tag) || any(&|m| m.tags.contains_key(tag));
    let has = [
        ("就业帮扶", "就业", any(&|m| m.employment == "unemployed")),
        ("医疗救助", "救助", tagged("dibao")),
        ("居家养老", "养老", tagged("empty_nest")),
        ("康复服务", "医疗", tagged("disabled")),
        (
            "建立健康档案",
            "医疗",
            any(&|m| year - m.birth_year.unwrap_or(year) >= 60 && !m.health_record),
        ),
        ("儿童关爱", "救助", tagged("left_behind")),
    ];
    has.into_iter()
        .filter(|n| n.2)
        .map(|(need, category, _)| (need, category))
        .collect()
}

/// "幸福社区", or "幸福2社区" once the stems run out.
fn place_name(stems: &[&str], i: usize, suffix: &str) -> String {
    match i / stems.len() {
        0 => format!("{}{suffix}", stems[i % stems.len()]),
        round => format!("{}{}{suffix}", stems[i % stems.len()], round + 1),
    }
}

/// Days since 1970-01-01 of a "YYYY-MM-DD" date.
fn parse_date(s: &str) -> Option<i64> {
    (s.len() == 10).then(|| calendar::day_number(s)).flatten()
}

/// "YYYY-MM-DD" of a day since 1970-01-01.
fn date(days: i64) -> String {
    calendar::date_from_days(days)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};
    use std::sync::OnceLock;

    use linli_sync_core::contract::{read_record, validate_root, Kind};

    use super::*;

    const TODAY: &str = "2026-11-26";

    /// The default county, generated once for all tests.
    fn county() -> &'static [DemoDocument] {
        static COUNTY: OnceLock<Vec<DemoDocument>> = OnceLock::new();
        COUNTY.get_or_init(|| generate(7, TODAY, &DemoSize::default()))
    }

    /// The documents of one kind, read back as typed records.
    fn records<T: serde::de::DeserializeOwned>(
        docs: &[DemoDocument],
        kind: Kind,
    ) -> Vec<(DocumentId, T)> {
        docs.iter()
            .filter(|d| validate_root(&d.doc).unwrap().kind == kind)
            .map(|d| (d.id, read_record(&d.doc).unwrap()))
            .collect()
    }

    #[test]
    fn same_seed_same_bytes() {
        let (a, b) = (county(), generate(7, TODAY, &DemoSize::default()));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.id, y.id);
            assert_eq!(x.doc.save(), y.doc.save());
        }
        let small = DemoSize {
            streets: 1,
            communities_per_street: 1,
            ..DemoSize::default()
        };
        assert_ne!(a[0].id, generate(8, TODAY, &small)[0].id);
        assert_ne!(
            a[0].doc.save(),
            generate(7, "2026-11-27", &small)[0].doc.save()
        );
    }

    #[test]
    fn every_document_validates_has_a_unique_id_and_a_past_demo_history() {
        let docs = county();
        let mut ids = HashSet::new();
        let mut kinds = BTreeMap::new();
        let actor = Gen::new(7, 0).actor;
        let midnight = parse_date(TODAY).unwrap() * 86_400;
        for d in docs {
            *kinds
                .entry(validate_root(&d.doc).unwrap().kind.as_str())
                .or_insert(0) += 1;
            assert!(ids.insert(d.id), "duplicate id {}", d.id);
            for change in d.doc.get_changes(&[]) {
                assert_eq!(change.actor_id(), &actor);
                assert!(change.timestamp() < midnight);
            }
        }
        assert_eq!(kinds["household"], 300);
        assert_eq!(kinds["community"], 4);
        assert!(kinds["volunteer"] >= 48);
        assert!(kinds["request"] >= 12);
    }

    #[test]
    fn households_round_trip_with_the_head_first() {
        let docs = county();
        for d in docs {
            if validate_root(&d.doc).unwrap().kind != Kind::Household {
                continue;
            }
            let h: Household = read_record(&d.doc).unwrap();
            assert!((1..=5).contains(&h.members.len()));
            let relations: Vec<&str> = h.members.values().map(|m| m.relation.as_str()).collect();
            assert_eq!(relations[0], "head");
            assert_eq!(relations.iter().filter(|r| **r == "head").count(), 1);
            for m in h.members.values() {
                assert!(["男", "女"].contains(&m.gender.as_str()));
                assert_eq!(m.id_tail.chars().count(), 4);
                assert!(["employed", "unemployed", "retired", "student", "unable"]
                    .contains(&m.employment.as_str()));
            }
            // Writing the record read back changes nothing.
            let mut again = AutoCommit::load(&d.doc.save()).unwrap();
            reconcile(&mut again, &h).unwrap();
            assert!(again.commit().is_none(), "{} did not round-trip", d.id);
            assert_eq!(again.get_heads(), d.doc.get_heads());
        }
    }

    #[test]
    fn indicators_land_near_their_targets() {
        let docs = county();
        let year = 2026;
        let households: Vec<(DocumentId, Household)> = records(docs, Kind::Household);
        let residents = || households.iter().flat_map(|(_, h)| h.members.values());
        let elderly: Vec<&Member> = residents()
            .filter(|m| year - m.birth_year.unwrap() >= 60)
            .collect();
        let share_elderly = elderly.len() as f64 / residents().count() as f64;
        assert!((0.15..=0.30).contains(&share_elderly), "{share_elderly}");
        let with_record =
            elderly.iter().filter(|m| m.health_record).count() as f64 / elderly.len() as f64;
        assert!((0.85..=1.0).contains(&with_record), "{with_record}");
        let zero_employment =
            |h: &Household| h.members.values().all(|m| m.employment != "employed");
        assert!(households.iter().any(|(_, h)| zero_employment(h)));
        assert!(households
            .iter()
            .any(|(_, h)| zero_employment(h)
                && h.members.values().any(|m| m.employment == "unemployed")));

        let volunteers: Vec<(DocumentId, Volunteer)> = records(docs, Kind::Volunteer);
        for (_, c) in records::<Community>(docs, Kind::Community) {
            let in_community = |org: &str| org.starts_with(&format!("{}/", c.org));
            let counted: usize = households
                .iter()
                .filter(|(_, h)| in_community(&h.org))
                .map(|(_, h)| h.members.len())
                .sum();
            assert_eq!(c.residents, counted as i64);
            let ratio =
                volunteers.iter().filter(|(_, v)| v.org == c.org).count() as f64 / counted as f64;
            assert!((0.04..=0.12).contains(&ratio), "{}: {ratio}", c.name);
            assert!((1..=4).contains(&c.organizations.len()));
        }
        let users: HashSet<&str> = volunteers.iter().map(|(_, v)| v.user.as_str()).collect();
        assert_eq!(users.len(), volunteers.len());
    }

    #[test]
    fn requests_are_about_real_households_and_their_logs_match_their_status() {
        let docs = county();
        let households: BTreeMap<String, Household> = records(docs, Kind::Household)
            .into_iter()
            .map(|(id, h)| (id.to_string(), h))
            .collect();
        for (_, r) in records::<Request>(docs, Kind::Request) {
            assert_eq!(households[r.household.as_deref().unwrap()].org, r.org);
            let last = r.log.iter().rev().find_map(|l| l.status.clone());
            assert_eq!(last.as_deref(), Some(r.status.as_str()));
            assert_eq!(r.assignee.is_some(), r.status != "open");
            let times: Vec<&str> = r.log.iter().map(|l| l.at.as_str()).collect();
            assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
        }
    }

    #[test]
    fn dates_parse_and_print() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(date(parse_date("2024-02-29").unwrap()), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "26-11-01",
            "2026-11-26T00:00:00Z",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(
            Moment(parse_date("2026-11-26").unwrap() * 86_400 + 5400).iso(),
            "2026-11-26T01:30:00Z"
        );
    }
}
