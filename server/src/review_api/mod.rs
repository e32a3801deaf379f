//! The supervisors' API, one module per area: review items (`items`), decisions on what was
//! submitted (`decisions`), duplicates and merges (`duplicates`), a field's history
//! (`history`), the household list (`households`), requests (`requests`), follow-ups due
//! per grid (`follow_ups`) and what supervisors read out: indicators,
//! exports and records (`reports`). Who may call each is the extractor it takes
//! (`auth::extract`).

use linli_sync_core::DocumentId;
use serde::Deserialize;

use linli_sync_core::access::Principal;
use linli_sync_core::automerge::Automerge;
use linli_sync_core::conflicts::ConflictValue;
use linli_sync_core::contract::OrgPath;

use crate::doc_actor::{ActorError, DocCommand, ServerEdit};
use crate::error::AppError;
use crate::AppState;

mod decisions;
mod duplicates;
mod follow_ups;
mod history;
mod households;
mod items;
mod moves;
mod reports;
mod requests;

pub use decisions::*;
pub use duplicates::*;
pub use follow_ups::*;
pub use history::*;
pub use households::*;
pub use items::*;
pub use moves::*;
pub use reports::*;
pub use requests::*;

/// Longest page a list returns.
/// Today, in the server's time zone.
pub(crate) fn today(app: &AppState) -> String {
    let zone = &app.hub.settings().time_zone;
    linli_sync_core::calendar::local_date_at(crate::clock::now_ms(), zone)
        .unwrap_or_else(crate::clock::today_utc)
}

pub(crate) const MAX_PAGE: i64 = 500;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    #[serde(default = "open")]
    pub status: String,
    #[serde(default = "fifty")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

fn open() -> String {
    "open".into()
}

pub(crate) fn fifty() -> i64 {
    50
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    #[serde(default = "fifty")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

/// The unit a request names (default, also for `""`: the caller's scope); outside the
/// caller's scope it is not found.
pub(crate) fn unit_of(who: &Principal, org: Option<&str>) -> Result<OrgPath, AppError> {
    let org = match org.filter(|o| !o.is_empty()) {
        Some(o) => OrgPath::parse(o).map_err(|e| AppError::BadRequest(e.to_string()))?,
        None => who.org.clone(),
    };
    if who.org.contains(&org) {
        Ok(org)
    } else {
        Err(AppError::NotFound)
    }
}

/// Sends `cmd` to the document's actor and waits for its answer (30 s at most).
pub(crate) async fn ask<T>(
    app: &AppState,
    doc: &str,
    cmd: impl FnOnce(tokio::sync::oneshot::Sender<T>) -> DocCommand,
) -> Result<T, AppError> {
    let id = DocumentId::parse(doc).map_err(|_| AppError::NotFound)?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    app.hub
        .send(id, cmd(reply))
        .await
        .map_err(|_| ActorError::Gone)?;
    let answer = tokio::time::timeout(std::time::Duration::from_secs(30), answer)
        .await
        .map_err(|_| ActorError::Gone)?
        .map_err(|_| ActorError::Gone)?;
    Ok(answer)
}

/// Asks the document's actor to make `edit` as `by`. The inner result says whether the edit
/// was made and is durable (`ActorError::Invalid` or `Changed`: nothing was written).
pub(crate) async fn edit(
    app: &AppState,
    doc: &str,
    edit: ServerEdit,
    by: &Principal,
) -> Result<Result<(), ActorError>, AppError> {
    let (edit, by) = (Box::new(edit), Box::new(by.clone()));
    ask(app, doc, |reply| DocCommand::Edit { edit, by, reply }).await
}

/// Reads the document where its actor holds it: `f` sees its content (`None` while it does
/// not exist).
pub(crate) async fn read<T: Send + 'static>(
    app: &AppState,
    doc: &str,
    f: impl FnOnce(Option<&Automerge>) -> T + Send + 'static,
) -> Result<T, AppError> {
    ask(app, doc, |reply| {
        DocCommand::Read(Box::new(move |content| {
            let _ = reply.send(f(content));
        }))
    })
    .await
}

/// The values a field of the document holds now (several while it is in conflict).
pub(crate) async fn field_values(
    app: &AppState,
    doc: &str,
    path: Vec<String>,
) -> Result<Vec<ConflictValue>, AppError> {
    read(app, doc, move |content| {
        content
            .map(|d| linli_sync_core::conflicts::current_values(d, &path))
            .unwrap_or_default()
    })
    .await
}
