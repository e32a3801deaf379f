//! Changing people and units (issue #19), for the operator's CLI and the API alike: a user's
//! role, unit and shown name; passwords reset; users disabled and enabled; units renamed,
//! closed and reopened. Who may do what is decided here, and every change is audited.
//!
//! The operator (the CLI) may do anything. An admin may change users and units at or under
//! their own unit. A supervisor may change workers and volunteers at or under their unit,
//! within it, and never into another role than those two.

use linli_sync_core::access::{Principal, Role};
use linli_sync_core::contract::OrgPath;

use crate::auth;
use crate::error::AppError;
use crate::store::{Store, UserChange, UserRow};

/// Shortest password a reset sets.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Who asks for a change.
#[derive(Clone, Copy)]
pub enum By<'a> {
    /// The operator on the server's command line.
    Operator,
    /// A signed-in person.
    Person(&'a Principal),
}

impl By<'_> {
    /// The name the audit log records.
    pub fn name(&self) -> &str {
        match self {
            By::Operator => "cli",
            By::Person(p) => &p.user,
        }
    }

    /// Whether this may manage a user of `role` at `org`.
    pub fn may_manage(&self, role: Role, org: &OrgPath) -> bool {
        match self {
            By::Operator => true,
            By::Person(p) => match p.role {
                Role::Admin => p.org.contains(org),
                Role::Supervisor => {
                    p.org.contains(org) && matches!(role, Role::Worker | Role::Volunteer)
                }
                _ => false,
            },
        }
    }

    /// Whether this may import records into `org` (the operator; admins and supervisors
    /// within their unit).
    pub fn may_import_into(&self, org: &OrgPath) -> bool {
        match self {
            By::Operator => true,
            By::Person(p) => {
                matches!(p.role, Role::Admin | Role::Supervisor) && p.org.contains(org)
            }
        }
    }

    /// Whether this may change org units (admins and the operator).
    fn may_change_units(&self, unit: &OrgPath) -> bool {
        match self {
            By::Operator => true,
            By::Person(p) => p.role == Role::Admin && p.org.contains(unit),
        }
    }
}

fn bad(why: impl Into<String>) -> AppError {
    AppError::BadRequest(why.into())
}

/// The user `name` if `by` may manage them (absent and out of reach look the same: 404).
async fn managed_user(store: &Store, by: By<'_>, name: &str) -> Result<UserRow, AppError> {
    let user = store.user(name).await?.ok_or(AppError::NotFound)?;
    let role = Role::parse(&user.role).ok_or(AppError::NotFound)?;
    let org = OrgPath::parse(&user.org).map_err(|_| AppError::NotFound)?;
    if !by.may_manage(role, &org) {
        return match by {
            By::Person(p) if p.org.contains(&org) => Err(AppError::Forbidden),
            _ => Err(AppError::NotFound),
        };
    }
    Ok(user)
}

/// A unit a user or a record may be placed in: well-formed, and not closed.
async fn open_unit(store: &Store, org: &str) -> Result<OrgPath, AppError> {
    let unit = OrgPath::parse(org).map_err(|e| bad(e.to_string()))?;
    if let Some(listed) = store.org(unit.as_str()).await? {
        if listed.closed_at.is_some() {
            return Err(bad(format!(
                "the unit {} ({}) is closed",
                unit, listed.name
            )));
        }
    }
    Ok(unit)
}

/// A shown name as given: trimmed, at most 100 characters, no control characters.
pub fn display_name(name: &str) -> Result<Option<String>, AppError> {
    let name = name.trim();
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(bad("display names are at most 100 characters"));
    }
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

/// Changes a user's role, unit or shown name. Their devices' connections end and reconnect
/// under the new scope (documents they may no longer read become unavailable to them).
pub async fn change_user(
    store: &Store,
    by: By<'_>,
    name: &str,
    change: &UserChange,
) -> Result<(), AppError> {
    let user = managed_user(store, by, name).await?;
    let role = match change.role.as_deref() {
        Some(r) => Role::parse(r).ok_or_else(|| bad(format!("unknown role `{r}`")))?,
        None => Role::parse(&user.role).ok_or(AppError::NotFound)?,
    };
    let org = match change.org.as_deref() {
        Some(o) => open_unit(store, o).await?,
        None => OrgPath::parse(&user.org).map_err(|_| AppError::NotFound)?,
    };
    if !by.may_manage(role, &org) {
        return Err(AppError::Forbidden);
    }
    if let By::Person(p) = by {
        if p.user == name && change.role.as_deref().is_some_and(|r| r != user.role) {
            return Err(bad("you cannot change your own role"));
        }
    }
    let shown = match change.display_name.as_deref() {
        Some(d) => Some(display_name(d)?.unwrap_or_else(|| name.to_owned())),
        None => None,
    };
    let stored = UserChange {
        role: Some(role.as_str().to_owned()),
        org: Some(org.to_string()),
        display_name: shown.clone(),
    };
    if !store.change_user(name, &stored).await? {
        return Err(AppError::NotFound);
    }
    let mut detail = Vec::new();
    if role.as_str() != user.role {
        detail.push(format!("role {} → {}", user.role, role));
    }
    if org.as_str() != user.org {
        detail.push(format!("org {} → {}", user.org, org));
    }
    if let Some(shown) = shown {
        detail.push(format!("display name → {shown}"));
    }
    store
        .audit(
            Some(by.name()),
            "user_change",
            Some(name),
            Some(&detail.join("; ")),
            None,
        )
        .await?;
    Ok(())
}

/// Sets a new password for a user who forgot theirs (their signed-in devices stay signed in).
pub async fn reset_password(
    store: &Store,
    by: By<'_>,
    name: &str,
    password: &str,
) -> Result<(), AppError> {
    managed_user(store, by, name).await?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(bad(format!(
            "a password has at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > 1024 {
        return Err(bad("a password has at most 1024 bytes"));
    }
    let password = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || auth::password::hash(&password))
        .await
        .map_err(|e| bad(e.to_string()))?;
    if !store.set_password_hash(name, &hash).await? {
        return Err(AppError::NotFound);
    }
    store
        .audit(
            Some(by.name()),
            "user_password_reset",
            Some(name),
            None,
            None,
        )
        .await?;
    Ok(())
}

/// Disables a user (no login, no token accepted, live connections end) or enables them again
/// (they log in anew). The data on their phones stays; revoke a device to have it erased.
pub async fn set_disabled(
    store: &Store,
    by: By<'_>,
    name: &str,
    disabled: bool,
) -> Result<(), AppError> {
    managed_user(store, by, name).await?;
    if let By::Person(p) = by {
        if p.user == name {
            return Err(bad("you cannot disable or enable yourself"));
        }
    }
    if !store.set_user_disabled(name, disabled).await? {
        return Err(AppError::NotFound);
    }
    let action = if disabled {
        "user_disable"
    } else {
        "user_enable"
    };
    store
        .audit(Some(by.name()), action, Some(name), None, None)
        .await?;
    Ok(())
}

/// Renames an org unit.
pub async fn rename_org(store: &Store, by: By<'_>, path: &str, name: &str) -> Result<(), AppError> {
    let unit = OrgPath::parse(path).map_err(|e| bad(e.to_string()))?;
    if !by.may_change_units(&unit) {
        return Err(AppError::Forbidden);
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(bad("a unit's name is 1-100 characters"));
    }
    if !store.rename_org(unit.as_str(), name).await? {
        return Err(AppError::NotFound);
    }
    store
        .audit(
            Some(by.name()),
            "org_rename",
            Some(unit.as_str()),
            Some(name),
            None,
        )
        .await?;
    Ok(())
}

/// Closes an org unit (kept for history; no user or record is placed in it any more), or
/// reopens it. A unit is closed only once nobody active works in it or under it.
pub async fn set_org_closed(
    store: &Store,
    by: By<'_>,
    path: &str,
    closed: bool,
) -> Result<(), AppError> {
    let unit = OrgPath::parse(path).map_err(|e| bad(e.to_string()))?;
    if !by.may_change_units(&unit) {
        return Err(AppError::Forbidden);
    }
    if closed {
        let active = store.active_users_under(unit.as_str()).await?;
        if active > 0 {
            return Err(bad(format!(
                "{active} active users work in {unit} or under it: move or disable them first"
            )));
        }
    }
    if !store.set_org_closed(unit.as_str(), closed).await? {
        return Err(AppError::NotFound);
    }
    let action = if closed { "org_close" } else { "org_reopen" };
    store
        .audit(Some(by.name()), action, Some(unit.as_str()), None, None)
        .await?;
    Ok(())
}
