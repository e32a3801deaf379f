//! Importing a community's existing register (台账, issue #19): households and their residents
//! from a CSV or XLSX, one row per resident, in the county's usual columns (docs/import.md):
//! 网格, 地址, 姓名, 与户主关系, 性别, 出生年份, 联系电话, 身份证后四位, 就业状况, 户标签,
//! 健康档案 — or other headers, named by a column mapping. Rows of one grid and one address
//! (spaces and punctuation aside) are one household, which has exactly one 户主.
//!
//! A dry run checks everything and creates nothing: households accepted, rows refused with
//! the reason, and households that look already registered (the same address and head, as
//! the duplicate check compares them), which are never created again, so importing the same
//! file twice changes nothing. Each household created is an automerge document made as the
//! importer's change, held to what a grid worker's phone may write (the same policy), and
//! committed with its projection like any document that arrives by sync.

use std::collections::BTreeMap;

use linli_sync_core::access::{self, Principal, Role};
use linli_sync_core::automerge::{ActorId, Automerge};
use linli_sync_core::contract::{
    validate_root, Household, Member, OrgPath, TagChange, SCHEMA_VERSION,
};
use serde::Serialize;

use crate::error::AppError;
use crate::labels::{self, Code};
use crate::people_admin::By;
use crate::store::projection::{dedup_key, Projection, ProjectionWrite};
use crate::store::{Binding, CommitExtras, CommitRequest, NewChange, Origin, Store};
use crate::table_file::Table;

/// The grid depth: county / street / community / grid.
const GRID_DEPTH: usize = 4;

/// A household that can be (or was) created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportedHousehold {
    /// Its rows, as a spreadsheet numbers them.
    pub rows: Vec<usize>,
    pub org: String,
    pub address: String,
    pub head: String,
    pub residents: usize,
    /// The document created (not in a dry run).
    pub document_id: Option<String>,
}

/// A row that cannot be imported, and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefusedRegisterRow {
    pub row: usize,
    pub reason: String,
}

/// A household of the file that looks registered already: it is not created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LikelyDuplicate {
    pub rows: Vec<usize>,
    pub address: String,
    pub head: String,
    /// The households already registered under the same address and head.
    pub existing: Vec<String>,
}

/// What an import did, or (a dry run) would do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegisterImport {
    pub dry_run: bool,
    /// Rows read (blank rows left out).
    pub rows: usize,
    /// The file's header row, in order (each header trimmed; "" for a blank one).
    pub headers: Vec<String>,
    /// Where each field was read: the field (`address`, `name`, …) and the header of its
    /// column, matched by the template's headers or named by `columns`. Fields not read are
    /// left out.
    pub columns: BTreeMap<String, String>,
    pub accepted: Vec<ImportedHousehold>,
    pub refused: Vec<RefusedRegisterRow>,
    pub duplicates: Vec<LikelyDuplicate>,
    /// Households created (0 in a dry run).
    pub created: usize,
}

impl RegisterImport {
    /// Refuses every row of a household, for one reason.
    fn refuse_rows(&mut self, rows: &[usize], reason: &str) {
        self.refused
            .extend(rows.iter().map(|row| RefusedRegisterRow {
                row: *row,
                reason: reason.to_owned(),
            }));
    }
}

/// The fields a column may hold, with the headers the county's template uses.
const FIELDS: &[(&str, &[&str])] = &[
    ("org", &["网格", "所属网格", "org"]),
    ("address", &["地址", "住址", "家庭住址", "address"]),
    ("name", &["姓名", "name"]),
    ("relation", &["与户主关系", "关系", "relation"]),
    ("gender", &["性别", "gender"]),
    (
        "birth_year",
        &["出生年份", "出生年", "出生日期", "birth_year"],
    ),
    ("phone", &["联系电话", "电话", "phone"]),
    ("id_tail", &["身份证后四位", "id_tail"]),
    ("employment", &["就业状况", "就业", "employment"]),
    ("tags", &["户标签", "标签", "tags"]),
    ("health_record", &["健康档案", "health_record"]),
];

/// The fields a register cannot do without.
const NEEDED: [&str; 3] = ["address", "name", "relation"];

/// Where each field is in the table: the template's headers, then `mapping` (`field:header`
/// pairs, comma-separated) for a sheet of another shape; `field:` with no header leaves the
/// field unread (a column the template's headers matched wrongly). Needed fields may be
/// missing here: [`needed`] says so.
fn columns(
    table: &Table,
    mapping: Option<&str>,
) -> Result<BTreeMap<&'static str, usize>, AppError> {
    let mut found = BTreeMap::new();
    for (field, names) in FIELDS {
        if let Some(c) = table.column(names) {
            found.insert(*field, c);
        }
    }
    for pair in mapping
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.trim().is_empty())
    {
        let (field, header) = pair.split_once(':').ok_or_else(|| {
            AppError::BadRequest(format!("columns: `{pair}` is not field:header"))
        })?;
        let (field, _) = FIELDS
            .iter()
            .find(|(f, _)| *f == field.trim())
            .ok_or_else(|| AppError::BadRequest(format!("columns: no field `{}`", field.trim())))?;
        if header.trim().is_empty() {
            found.remove(field);
            continue;
        }
        let c = table.column(&[header.trim()]).ok_or_else(|| {
            AppError::BadRequest(format!(
                "columns: no column `{}` in the file",
                header.trim()
            ))
        })?;
        found.insert(*field, c);
    }
    Ok(found)
}

/// Each field read, with the header of its column.
fn headers_of(table: &Table, at: &BTreeMap<&'static str, usize>) -> BTreeMap<String, String> {
    at.iter()
        .map(|(f, c)| ((*f).to_owned(), table.header[*c].clone()))
        .collect()
}

/// Refuses a table that lacks a needed field (400): the answer says which, with the file's
/// headers and the columns matched, so that a client can offer to match them.
fn needed(table: &Table, at: &BTreeMap<&'static str, usize>) -> Result<(), AppError> {
    let missing: Vec<&str> = NEEDED.into_iter().filter(|f| !at.contains_key(f)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let why = format!(
        "the header lacks {} (地址, 姓名, 与户主关系 are needed; name other headers with `columns`; the file's headers: {})",
        missing.join(", "),
        table.header.join(", ")
    );
    let mut detail = serde_json::Map::new();
    detail.insert("missing".into(), serde_json::json!(missing));
    detail.insert("headers".into(), serde_json::json!(table.header));
    detail.insert("columns".into(), serde_json::json!(headers_of(table, at)));
    Err(AppError::BadRequestWith(why, detail))
}

/// One resident row, checked.
struct Resident {
    row: usize,
    org: OrgPath,
    address: String,
    member: Member,
    tags: Vec<&'static str>,
}

/// The address as the duplicate check compares it.
fn address_key(address: &str) -> String {
    address
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn yes_no(text: &str) -> Option<bool> {
    match text.trim() {
        "" | "否" | "无" | "no" | "No" | "0" | "false" => Some(false),
        "是" | "有" | "yes" | "Yes" | "1" | "true" => Some(true),
        _ => None,
    }
}

async fn check_row(
    store: &Store,
    who: By<'_>,
    cells: &BTreeMap<&'static str, String>,
    default_org: Option<&OrgPath>,
    row: usize,
    this_year: i64,
) -> Result<Resident, String> {
    let cell = |f: &str| cells.get(f).map(String::as_str).unwrap_or("");
    let org = match (cell("org"), default_org) {
        ("", Some(o)) => o.clone(),
        ("", None) => {
            return Err("网格为空 (no grid; give the column 网格 or a default grid)".into())
        }
        (o, _) => OrgPath::parse(o).map_err(|e| format!("网格不正确 (grid: {e})"))?,
    };
    if org.depth() != GRID_DEPTH {
        return Err(format!("{org} 不是网格 (not a grid)"));
    }
    if !who.may_import_into(&org) {
        return Err(format!("无权导入到 {org} (outside your unit)"));
    }
    if store
        .org(org.as_str())
        .await
        .map_err(|e| e.to_string())?
        .is_some_and(|u| u.closed_at.is_some())
    {
        return Err(format!("网格已撤销 (the grid {org} is closed)"));
    }
    let address = cell("address").trim().to_owned();
    if address.is_empty() || address.chars().count() > 200 {
        return Err("地址为空或过长 (an address is 1-200 characters)".into());
    }
    let name = cell("name").trim().to_owned();
    if name.is_empty() || name.chars().count() > 50 {
        return Err("姓名为空或过长 (a name is 1-50 characters)".into());
    }
    let relation = labels::code_of(Code::Relation, cell("relation"))
        .ok_or_else(|| format!("与户主关系不明 (relation `{}`)", cell("relation")))?;
    let gender = match cell("gender").trim() {
        "" => "",
        g => match labels::code_of(Code::Gender, g) {
            Some("male" | "男") => "男",
            Some("female" | "女") => "女",
            _ => return Err(format!("性别不明 (gender `{g}`)")),
        },
    };
    let birth_year = match cell("birth_year").trim() {
        "" => None,
        b => {
            let year: i64 = b
                .get(..4)
                .and_then(|y| y.parse().ok())
                .ok_or_else(|| format!("出生年份不正确 (birth year `{b}`)"))?;
            if !(1900..=this_year).contains(&year) {
                return Err(format!("出生年份不在1900年至今 (birth year {year})"));
            }
            Some(year)
        }
    };
    let phone = cell("phone").trim().to_owned();
    if phone.chars().count() > 20
        || !phone
            .chars()
            .all(|c| c.is_ascii_digit() || "+- ".contains(c))
    {
        return Err(format!("联系电话不正确 (phone `{phone}`)"));
    }
    let id_tail = cell("id_tail").trim().to_uppercase();
    if !id_tail.is_empty()
        && (id_tail.chars().count() != 4 || !id_tail.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err("身份证后四位须为4位 (the ID tail is 4 characters)".into());
    }
    let employment = match cell("employment").trim() {
        "" => "",
        e => labels::code_of(Code::Employment, e).ok_or_else(|| format!("就业状况不明 (`{e}`)"))?,
    };
    let health_record = yes_no(cell("health_record"))
        .ok_or_else(|| format!("健康档案应填是或否 (`{}`)", cell("health_record")))?;
    let mut tags = Vec::new();
    for t in cell("tags")
        .split(['、', ',', '，', ';', '；', ' '])
        .filter(|t| !t.trim().is_empty())
    {
        match labels::code_of(Code::Tag, t) {
            Some("zero_employment") => {
                return Err("零就业家庭由系统推算，不能导入 (zero-employment is derived)".into())
            }
            Some(code) => tags.push(code),
            None => return Err(format!("户标签不明 (tag `{t}`)")),
        }
    }
    Ok(Resident {
        row,
        org,
        address,
        member: Member {
            name,
            gender: gender.to_owned(),
            birth_year,
            relation: relation.to_owned(),
            id_tail,
            phone,
            employment: employment.to_owned(),
            health_record,
            ..Member::default()
        },
        tags,
    })
}

/// One household's rows, made into a record (or why not).
fn household_of(residents: &[Resident], by: &str, today: &str) -> Result<Household, String> {
    let heads = residents
        .iter()
        .filter(|r| r.member.relation == "head")
        .count();
    if heads != 1 {
        return Err(format!(
            "这户有{heads}位户主，应为1位 (a household has one head; these rows have {heads})"
        ));
    }
    let mut tags = BTreeMap::new();
    let mut tag_changes = BTreeMap::new();
    for code in residents.iter().flat_map(|r| r.tags.iter()) {
        if tags.insert((*code).to_owned(), true).is_none() {
            tag_changes.insert(
                format!("import-{code}"),
                TagChange {
                    tag: (*code).to_owned(),
                    on: today.to_owned(),
                    set: true,
                    by: by.to_owned(),
                },
            );
        }
    }
    let members = residents
        .iter()
        .enumerate()
        .map(|(i, r)| (format!("m{}", i + 1), r.member.clone()))
        .collect();
    Ok(Household {
        kind: "household".into(),
        schema: SCHEMA_VERSION,
        org: residents[0].org.to_string(),
        address: residents[0].address.clone(),
        tags,
        members,
        tag_changes,
        ..Household::default()
    })
}

/// The importer as the policy judges a new household: a grid worker of its grid.
fn as_grid_worker(user: &str, device: &str, org: &OrgPath) -> Principal {
    Principal {
        user: user.to_owned(),
        role: Role::Worker,
        org: org.clone(),
        device: device.to_owned(),
        extra_read: Vec::new(),
    }
}

/// The household as an automerge document made by `actor`, judged as `who`'s; why not.
fn document_of(
    h: &Household,
    actor: &ActorId,
    who: &Principal,
    now_ms: i64,
    message: &str,
) -> Result<Automerge, String> {
    let mut doc = Automerge::new();
    doc.set_actor(actor.clone());
    let mut tx = doc.transaction();
    linli_sync_core::autosurgeon::reconcile(&mut tx, h).map_err(|e| e.to_string())?;
    tx.commit_with(
        linli_sync_core::automerge::transaction::CommitOptions::default()
            .with_message(message.to_owned())
            .with_time(now_ms / 1000),
    );
    let root = validate_root(&doc).map_err(|e| e.to_string())?;
    access::check_create(who, &root, None).map_err(|e| e.to_string())?;
    let patches = doc.diff(&[], &doc.get_heads());
    let judgement = access::judge_patches(who, root.kind, &doc, &[], &patches, Some(now_ms));
    if let Some((_, v)) = judgement.refused.first() {
        return Err(v.to_string());
    }
    Ok(doc)
}

/// Households committed in one transaction (one disk flush for many).
const BATCH: usize = 200;

/// Commits the batch's new households in one transaction; how many were stored.
async fn commit(store: &Store, batch: &mut Vec<CommitRequest>) -> Result<usize, AppError> {
    if batch.is_empty() {
        return Ok(0);
    }
    let outcomes = store.commit_group(batch).await?;
    batch.clear();
    Ok(outcomes
        .iter()
        .filter(|o| matches!(o, crate::store::CommitOutcome::Stored { .. }))
        .count())
}

/// What the importer is, for the audit log and the documents' actor binding.
pub struct Importer<'a> {
    pub by: By<'a>,
    /// The device the import came from (the operator's: `cli`).
    pub device: &'a str,
}

/// Reads the register, checks every row and, unless `dry_run`, creates its households.
pub async fn import_register(
    store: &Store,
    importer: &Importer<'_>,
    bytes: &[u8],
    options: &RegisterOptions<'_>,
) -> Result<RegisterImport, AppError> {
    let table = Table::read(bytes).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let at = columns(&table, options.columns)?;
    needed(&table, &at)?;
    let default_org = options
        .org
        .filter(|o| !o.is_empty())
        .map(OrgPath::parse)
        .transpose()
        .map_err(|e| AppError::BadRequest(format!("org: {e}")))?;
    let today = crate::clock::today_utc();
    let this_year: i64 = today[..4].parse().unwrap_or(2100);
    let mut report = RegisterImport {
        dry_run: options.dry_run,
        rows: table.rows.len(),
        headers: table.header.clone(),
        columns: headers_of(&table, &at),
        accepted: Vec::new(),
        refused: Vec::new(),
        duplicates: Vec::new(),
        created: 0,
    };
    // Rows checked, grouped by grid and address, in the file's order.
    let mut groups: Vec<((String, String), Vec<Resident>)> = Vec::new();
    // The households (grid and address as written) with a refused row: they come in whole or
    // not at all, so that the corrected sheet, imported again, brings them in whole.
    let mut spoilt = std::collections::BTreeSet::new();
    for (row, cells) in &table.rows {
        let values: BTreeMap<&'static str, String> = at
            .iter()
            .map(|(f, c)| (*f, Table::cell(cells, Some(*c)).to_owned()))
            .collect();
        let written = |f: &str| {
            values
                .get(f)
                .map(String::as_str)
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let grid = match written("org") {
            g if g.is_empty() => default_org
                .as_ref()
                .map(|o| o.to_string())
                .unwrap_or_default(),
            g => g,
        };
        let household_as_written = (grid, address_key(&written("address")));
        match check_row(
            store,
            importer.by,
            &values,
            default_org.as_ref(),
            *row,
            this_year,
        )
        .await
        {
            Ok(r) => {
                let key = (r.org.to_string(), address_key(&r.address));
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, rows)) => rows.push(r),
                    None => groups.push((key, vec![r])),
                }
            }
            Err(reason) => {
                spoilt.insert(household_as_written);
                report
                    .refused
                    .push(RefusedRegisterRow { row: *row, reason });
            }
        }
    }
    let actor = ActorId::random();
    let by = importer.by.name().to_owned();
    let origin = Origin {
        peer: None,
        user: Some(by.clone()),
        device: Some(importer.device.to_owned()),
    };
    let message = format!("linli: imported from a register by {by}");
    let mut batch = Vec::new();
    for (key, residents) in groups {
        let rows: Vec<usize> = residents.iter().map(|r| r.row).collect();
        if spoilt.contains(&key) {
            report.refuse_rows(
                &rows,
                "这户另有不能导入的行，整户未导入 (another row of this household was refused: the household is left out whole)",
            );
            continue;
        }
        let household = match household_of(&residents, &by, &today) {
            Ok(h) => h,
            Err(reason) => {
                report.refuse_rows(&rows, &reason);
                continue;
            }
        };
        let head = crate::store::projection::head_name(&household);
        if let Some(key) = dedup_key(&household) {
            let existing = store.households_with_key(&key).await?;
            if !existing.is_empty() {
                report.duplicates.push(LikelyDuplicate {
                    rows,
                    address: household.address.clone(),
                    head,
                    existing,
                });
                continue;
            }
        }
        let org = residents[0].org.clone();
        let who = as_grid_worker(&by, importer.device, &org);
        let doc = match document_of(&household, &actor, &who, crate::clock::now_ms(), &message) {
            Ok(doc) => doc,
            Err(reason) => {
                report.refuse_rows(&rows, &reason);
                continue;
            }
        };
        let mut accepted = ImportedHousehold {
            rows,
            org: org.to_string(),
            address: household.address.clone(),
            head,
            residents: residents.len(),
            document_id: None,
        };
        if !options.dry_run {
            let id = linli_sync_core::DocumentId::from_bytes(rand::random()).to_string();
            let root = validate_root(&doc).map_err(|e| AppError::BadRequest(e.to_string()))?;
            let changes: Vec<NewChange> = doc
                .get_changes(&[])
                .iter()
                .map(NewChange::from_change)
                .collect();
            let extras = CommitExtras {
                projection: Projection::of(&doc, &root, options.time_zone)
                    .map(|p| ProjectionWrite::full(root.org.to_string(), p)),
                bindings: vec![Binding {
                    actor: actor.to_hex_string(),
                    user: by.clone(),
                    device: importer.device.to_owned(),
                }],
                ..CommitExtras::default()
            };
            batch.push(CommitRequest {
                document_id: id.clone(),
                create: Some(root),
                changes,
                origin: origin.clone(),
                extras,
            });
            accepted.document_id = Some(id);
            if batch.len() >= BATCH {
                report.created += commit(store, &mut batch).await?;
            }
        }
        report.accepted.push(accepted);
    }
    report.created += commit(store, &mut batch).await?;
    report.refused.sort_by_key(|r| r.row);
    if !options.dry_run {
        store
            .audit(
                Some(&by),
                "register_import",
                None,
                Some(&format!(
                    "{} rows: {} households created, {} rows refused, {} already registered",
                    report.rows,
                    report.created,
                    report.refused.len(),
                    report.duplicates.len()
                )),
                None,
            )
            .await?;
    }
    Ok(report)
}

/// How to read a register.
pub struct RegisterOptions<'a> {
    pub dry_run: bool,
    /// The grid of rows without one.
    pub org: Option<&'a str>,
    /// Headers of another shape: `field:header` pairs, comma-separated (`field:` leaves the
    /// field unread).
    pub columns: Option<&'a str>,
    /// The deployment's time zone (as the projection reckons days).
    pub time_zone: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(csv: &str) -> Table {
        Table::read(csv.as_bytes()).unwrap()
    }

    #[test]
    fn register_columns_by_the_template_or_named() {
        let t = table("网格编号,住址,名字,关系,电话\nc01/s01/m01/g01,路1号,王,户主,1\n");
        let at = columns(&t, None).unwrap();
        // 住址, 关系 and 电话 are the template's too; 名字 and 网格编号 are not.
        assert_eq!(
            headers_of(&t, &at),
            BTreeMap::from([
                ("address".to_owned(), "住址".to_owned()),
                ("phone".to_owned(), "电话".to_owned()),
                ("relation".to_owned(), "关系".to_owned()),
            ])
        );
        let Err(AppError::BadRequestWith(why, detail)) = needed(&t, &at) else {
            panic!("the name is missing");
        };
        assert!(why.starts_with("the header lacks name ("), "{why}");
        assert!(why.contains("网格编号, 住址, 名字, 关系, 电话"), "{why}");
        assert_eq!(detail["missing"], serde_json::json!(["name"]));
        assert_eq!(
            detail["headers"],
            serde_json::json!(["网格编号", "住址", "名字", "关系", "电话"])
        );
        assert_eq!(detail["columns"]["address"], "住址");

        // Named: 名字 is the name, 网格编号 the grid; `phone:` leaves 电话 unread.
        let at = columns(&t, Some("name:名字, org: 网格编号 ,phone:")).unwrap();
        assert!(needed(&t, &at).is_ok());
        assert_eq!(
            headers_of(&t, &at),
            BTreeMap::from([
                ("address".to_owned(), "住址".to_owned()),
                ("name".to_owned(), "名字".to_owned()),
                ("org".to_owned(), "网格编号".to_owned()),
                ("relation".to_owned(), "关系".to_owned()),
            ])
        );
        // `address:` leaves a needed field unread: missing.
        let at = columns(&t, Some("name:名字,address:")).unwrap();
        let Err(AppError::BadRequestWith(_, detail)) = needed(&t, &at) else {
            panic!("the address is missing");
        };
        assert_eq!(detail["missing"], serde_json::json!(["address"]));

        for (mapping, said) in [
            ("name", "is not field:header"),
            ("nom:名字", "no field `nom`"),
            ("name:名 字", "no column `名 字` in the file"),
        ] {
            match columns(&t, Some(mapping)) {
                Err(AppError::BadRequest(why)) => assert!(why.contains(said), "{why}"),
                other => panic!("{mapping}: {other:?}"),
            }
        }
    }
}
