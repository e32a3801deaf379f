//! Operator actions behind the CLI (`user add`, `token`, `device revoke`, `org add`), written
//! against the store so that they work while the server runs. Each is audited.

use linli_sync_core::access::Role;
use linli_sync_core::contract::OrgPath;

use crate::auth::{self, Keys};
use crate::error::AppError;
use crate::store::Store;

/// Creates an org unit.
pub async fn add_org(store: &Store, path: &str, name: &str, by: &str) -> Result<(), AppError> {
    let org = OrgPath::parse(path).map_err(|e| AppError::BadRequest(e.to_string()))?;
    if name.trim().is_empty() {
        return Err(AppError::BadRequest("an org unit needs a name".into()));
    }
    store.add_org(org.as_str(), name).await?;
    store
        .audit(Some(by), "org_add", Some(org.as_str()), Some(name), None)
        .await?;
    Ok(())
}

/// A new user: login name, role, scope, and optionally a password (without one, a token-only
/// user) and the name others see (without one, the login name).
#[derive(Clone, Copy)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub org: &'a str,
    pub password: Option<&'a str>,
    pub display_name: Option<&'a str>,
}

/// Creates a user with a role and a scope.
pub async fn add_user(store: &Store, user: &NewUser<'_>, by: &str) -> Result<(), AppError> {
    let NewUser {
        name,
        role,
        org,
        password,
        display_name,
    } = *user;
    let display_name = display_name.map(str::trim).filter(|d| !d.is_empty());
    if display_name.is_some_and(|d| d.chars().count() > 100 || d.chars().any(char::is_control)) {
        return Err(AppError::BadRequest(
            "display names are at most 100 characters".into(),
        ));
    }
    let role =
        Role::parse(role).ok_or_else(|| AppError::BadRequest(format!("unknown role `{role}`")))?;
    let org = OrgPath::parse(org).map_err(|e| AppError::BadRequest(e.to_string()))?;
    if store
        .org(org.as_str())
        .await?
        .is_some_and(|u| u.closed_at.is_some())
    {
        return Err(AppError::BadRequest(format!("the unit {org} is closed")));
    }
    if name.is_empty()
        || name.len() > 64
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AppError::BadRequest(
            "user names are 1-64 characters without spaces".into(),
        ));
    }
    let hash = match password {
        Some(p) => {
            let p = p.to_owned();
            Some(
                tokio::task::spawn_blocking(move || auth::password::hash(&p))
                    .await
                    .map_err(|e| AppError::BadRequest(e.to_string()))?,
            )
        }
        None => None,
    };
    if !store
        .add_user(
            name,
            role.as_str(),
            org.as_str(),
            hash.as_deref(),
            display_name,
        )
        .await?
    {
        return Err(AppError::BadRequest(format!("user `{name}` exists")));
    }
    store
        .audit(
            Some(by),
            "user_add",
            Some(name),
            Some(&format!("{role} {org}")),
            None,
        )
        .await?;
    Ok(())
}

/// Issues an access token for a user on a device of its own (for scripts and tests).
pub async fn issue_token(
    store: &Store,
    keys: &Keys,
    user: &str,
    ttl_secs: i64,
    device_name: &str,
) -> Result<String, AppError> {
    let row = store
        .user(user)
        .await?
        .ok_or_else(|| AppError::BadRequest(format!("no user `{user}`")))?;
    let device = store.add_device(user, device_name).await?;
    store
        .audit(Some("cli"), "token_issue", Some(user), Some(&device), None)
        .await?;
    Ok(auth::access_token(keys, &row.name, &row.role, &row.org, &device, ttl_secs).0)
}

/// Revokes one device, or every device of a user; returns the revoked ids.
pub async fn revoke(
    store: &Store,
    device: Option<&str>,
    user: Option<&str>,
    by: &str,
) -> Result<Vec<String>, AppError> {
    let ids: Vec<String> = match (device, user) {
        (Some(d), _) => vec![d.to_owned()],
        (None, Some(u)) => store
            .devices_of(u)
            .await?
            .into_iter()
            .map(|d| d.id)
            .collect(),
        (None, None) => return Err(AppError::BadRequest("name a --device or a --user".into())),
    };
    let mut revoked = Vec::new();
    for id in ids {
        if store.revoke_device(&id).await? {
            store
                .audit(Some(by), "device_revoke", Some(&id), None, None)
                .await?;
            revoked.push(id);
        }
    }
    Ok(revoked)
}

/// Parses a duration such as `90s`, `30m`, `1h` or `2d` into seconds.
pub fn parse_ttl(s: &str) -> Result<i64, AppError> {
    let bad = || AppError::BadRequest(format!("`{s}` is not a duration like 30m, 1h or 2d"));
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().map_err(|_| bad())?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    Ok(n * mult)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations() {
        assert_eq!(super::parse_ttl("90s").unwrap(), 90);
        assert_eq!(super::parse_ttl("30m").unwrap(), 1800);
        assert_eq!(super::parse_ttl("1h").unwrap(), 3600);
        assert_eq!(super::parse_ttl("2d").unwrap(), 172_800);
        assert!(super::parse_ttl("h").is_err());
        assert!(super::parse_ttl("5y").is_err());
    }
}
