//! `GET /api/directory`: the names behind the codes a signed-in user meets (issue #18), so
//! that screens show units, people and devices by name: the units of the caller's org, its
//! ancestors and everything under it; the users of those units (display name, else login
//! name); and devices by the name given at login — for supervisors and admins those of the
//! users under their org, for everyone else only their own.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use linli_sync_core::access::Role;
use serde::Serialize;

use crate::auth::extract::Caller;
use crate::error::AppError;
use crate::AppState;

/// Names by code.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Directory {
    /// Org path → unit name.
    pub orgs: BTreeMap<String, String>,
    /// Login name → the name the user is shown by.
    pub users: BTreeMap<String, String>,
    /// Device id → the name given at login.
    pub devices: BTreeMap<String, String>,
    /// Login name → role (`worker`, `volunteer`, …), for choosing whom to assign work to.
    pub roles: BTreeMap<String, String>,
}

/// The org paths above `org` (`c01`, `c01/s01` for `c01/s01/m01`), itself included.
fn ancestors(org: &str) -> Vec<String> {
    let segments: Vec<&str> = org.split('/').collect();
    (1..=segments.len())
        .map(|n| segments[..n].join("/"))
        .collect()
}

/// `GET /api/directory`: `{orgs, users, devices, roles}`, each a map from code to name, limited to
/// what the caller may know.
#[utoipa::path(get, path = "/api/directory", tag = "records", security(("bearer" = [])), responses((status = 200, body = Directory), (status = 401)))]
pub async fn directory(
    State(app): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Directory>, AppError> {
    let pool = app.store.pool();
    let org = who.org.as_str();
    let under = format!("{org}/");
    let above = ancestors(org);
    let below = |col: &str| format!("({col} = $1 OR substr({col}, 1, length($2)) = $2)");
    let listed = (0..above.len())
        .map(|i| format!("${}", i + 3))
        .collect::<Vec<_>>()
        .join(", ");
    let within = |col: &str| format!("({} OR {col} IN ({listed}))", below(col));

    let orgs_sql = format!("SELECT path, name FROM org_units WHERE {}", within("path"));
    let users_sql = format!(
        "SELECT name, COALESCE(display_name, name), role FROM users WHERE {}",
        within("org")
    );
    let mut orgs = sqlx::query_as::<_, (String, String)>(&orgs_sql)
        .bind(org)
        .bind(&under);
    let mut users = sqlx::query_as::<_, (String, String, String)>(&users_sql)
        .bind(org)
        .bind(&under);
    for path in &above {
        orgs = orgs.bind(path);
        users = users.bind(path);
    }
    let devices = if matches!(who.role, Role::Supervisor | Role::Admin) {
        let sql = format!(
            "SELECT d.id, d.name FROM devices d JOIN users u ON u.name = d.user_name WHERE {}",
            below("u.org")
        );
        sqlx::query_as::<_, (String, String)>(&sql)
            .bind(org)
            .bind(&under)
            .fetch_all(pool)
            .await?
    } else {
        sqlx::query_as("SELECT id, name FROM devices WHERE user_name = $1")
            .bind(&who.user)
            .fetch_all(pool)
            .await?
    };
    let (orgs, users) = tokio::try_join!(orgs.fetch_all(pool), users.fetch_all(pool))?;
    let roles = users
        .iter()
        .map(|(login, _, role)| (login.clone(), role.clone()))
        .collect();
    Ok(Json(Directory {
        orgs: orgs.into_iter().collect(),
        users: users
            .into_iter()
            .map(|(login, name, _)| (login, name))
            .collect(),
        devices: devices.into_iter().collect(),
        roles,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ancestors_include_the_unit() {
        assert_eq!(
            super::ancestors("c01/s01/m01"),
            ["c01", "c01/s01", "c01/s01/m01"]
        );
    }
}
