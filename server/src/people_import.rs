//! Creating many users from a sheet (issue #19): a CSV or XLSX with a header row naming the
//! columns 登录名 (name), 姓名 (display_name), 角色 (role), 单位 (org) and 初始密码
//! (password, optional), in Chinese or English. A dry run checks every row and creates
//! nothing; a run creates the rows that pass. A name that exists, or appears twice in the
//! file, is refused, so importing the same file again creates nothing more.

use linli_sync_core::access::Role;
use linli_sync_core::contract::OrgPath;
use serde::Serialize;

use crate::admin;
use crate::error::AppError;
use crate::people_admin::{self, By, MIN_PASSWORD_CHARS};
use crate::store::Store;
use crate::table_file::Table;

/// A row that can be (or was) created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportedUser {
    /// The row's number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub name: String,
    pub role: String,
    pub org: String,
}

/// A row that was not, and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefusedRow {
    pub row: usize,
    pub name: String,
    pub reason: String,
}

/// What an import did, or (a dry run) would do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UsersImport {
    pub dry_run: bool,
    /// Rows read (blank rows left out).
    pub rows: usize,
    pub accepted: Vec<ImportedUser>,
    pub refused: Vec<RefusedRow>,
    /// Users created (0 in a dry run).
    pub created: usize,
}

/// A role as a sheet may write it.
fn role_of(text: &str) -> Option<Role> {
    match text {
        "网格员" => Some(Role::Worker),
        "志愿者" => Some(Role::Volunteer),
        "督导" | "督导员" => Some(Role::Supervisor),
        "管理员" => Some(Role::Admin),
        other => Role::parse(&other.to_ascii_lowercase()),
    }
}

/// One row checked: the user it would create, or why not.
struct Row {
    name: String,
    role: Role,
    org: OrgPath,
    display_name: Option<String>,
    password: Option<String>,
}

async fn check(
    store: &Store,
    by: By<'_>,
    cells: [&str; 5],
    seen: &mut std::collections::BTreeSet<String>,
) -> Result<Row, String> {
    let [name, display_name, role, org, password] = cells;
    if name.is_empty()
        || name.len() > 64
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(
            "登录名须为1-64个字符且不含空格 (a login name is 1-64 characters without spaces)"
                .into(),
        );
    }
    if !seen.insert(name.to_owned()) {
        return Err("登录名在文件中重复 (the name appears twice in the file)".into());
    }
    let role = role_of(role).ok_or_else(|| format!("角色不明 (unknown role `{role}`)"))?;
    let org = OrgPath::parse(org).map_err(|e| format!("单位不正确 (org: {e})"))?;
    if !by.may_manage(role, &org) {
        return Err(format!(
            "无权在此单位添加此角色 (you may not add a {role} in {org})"
        ));
    }
    if store
        .org(org.as_str())
        .await
        .map_err(|e| e.to_string())?
        .is_some_and(|u| u.closed_at.is_some())
    {
        return Err(format!("单位已撤销 (the unit {org} is closed)"));
    }
    if store.user(name).await.map_err(|e| e.to_string())?.is_some() {
        return Err("该登录名已存在 (a user of this name exists)".into());
    }
    let display_name = people_admin::display_name(display_name).map_err(|e| e.to_string())?;
    let password = (!password.is_empty()).then(|| password.to_owned());
    if password
        .as_deref()
        .is_some_and(|p| p.chars().count() < MIN_PASSWORD_CHARS)
    {
        return Err(format!(
            "初始密码至少{MIN_PASSWORD_CHARS}个字符 (a password has at least {MIN_PASSWORD_CHARS} characters)"
        ));
    }
    Ok(Row {
        name: name.to_owned(),
        role,
        org,
        display_name,
        password,
    })
}

/// Reads the sheet and checks every row; unless `dry_run`, creates the users that pass.
pub async fn import_users(
    store: &Store,
    by: By<'_>,
    bytes: &[u8],
    dry_run: bool,
) -> Result<UsersImport, AppError> {
    let table = Table::read(bytes).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let columns = [
        table.column(&["登录名", "用户名", "name"]),
        table.column(&["姓名", "显示名", "display_name"]),
        table.column(&["角色", "role"]),
        table.column(&["单位", "所属单位", "org"]),
        table.column(&["初始密码", "密码", "password"]),
    ];
    let missing: Vec<&str> = [(0, "登录名"), (2, "角色"), (3, "单位")]
        .into_iter()
        .filter(|(i, _)| columns[*i].is_none())
        .map(|(_, n)| n)
        .collect();
    if !missing.is_empty() {
        return Err(AppError::BadRequest(format!(
            "the header lacks the columns {} (登录名/name, 角色/role, 单位/org are needed)",
            missing.join(", ")
        )));
    }
    let mut report = UsersImport {
        dry_run,
        rows: table.rows.len(),
        accepted: Vec::new(),
        refused: Vec::new(),
        created: 0,
    };
    let mut seen = std::collections::BTreeSet::new();
    for (number, cells) in &table.rows {
        let cell = |i: usize| Table::cell(cells, columns[i]);
        let name = cell(0).to_owned();
        let row = match check(
            store,
            by,
            [cell(0), cell(1), cell(2), cell(3), cell(4)],
            &mut seen,
        )
        .await
        {
            Ok(row) => row,
            Err(reason) => {
                report.refused.push(RefusedRow {
                    row: *number,
                    name,
                    reason,
                });
                continue;
            }
        };
        if !dry_run {
            let new = admin::NewUser {
                name: &row.name,
                role: row.role.as_str(),
                org: row.org.as_str(),
                password: row.password.as_deref(),
                display_name: row.display_name.as_deref(),
            };
            if let Err(e) = admin::add_user(store, &new, by.name()).await {
                report.refused.push(RefusedRow {
                    row: *number,
                    name,
                    reason: e.to_string(),
                });
                continue;
            }
            report.created += 1;
        }
        report.accepted.push(ImportedUser {
            row: *number,
            name: row.name,
            role: row.role.as_str().to_owned(),
            org: row.org.to_string(),
        });
    }
    if !dry_run {
        store
            .audit(
                Some(by.name()),
                "users_import",
                None,
                Some(&format!(
                    "{} rows: {} created, {} refused",
                    report.rows,
                    report.created,
                    report.refused.len()
                )),
                None,
            )
            .await?;
    }
    Ok(report)
}
