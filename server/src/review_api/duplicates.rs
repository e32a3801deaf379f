//! Possible duplicate households: list, merge plan, merge, dismiss and undo
//! (`/api/duplicates…`).

use axum::extract::{Path, Query, State};
use axum::Json;
use linli_sync_core::access::Principal;
use serde::{Deserialize, Serialize};

use super::{edit, read, ListQuery, MAX_PAGE};
use crate::auth::extract::{Reviewer, Supervisor};
use crate::doc_actor::{MergeStep, ServerEdit};
use crate::error::AppError;
use crate::AppState;

/// `GET /api/duplicates?status=open`: possible duplicate households in the caller's scope.
#[utoipa::path(get, path = "/api/duplicates", tag = "review", params(ListQuery), security(("bearer" = [])), responses((status = 200, body = [crate::store::projection::DuplicateRow])))]
pub async fn list_duplicates(
    State(app): State<AppState>,
    Query(q): Query<ListQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<Vec<crate::store::projection::DuplicateRow>>, AppError> {
    Ok(Json(
        app.store
            .duplicates(
                who.org.as_str(),
                &q.status,
                q.limit.clamp(1, MAX_PAGE),
                q.offset.max(0),
            )
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MergeRequest {
    /// The document to keep; the other is marked `merged_into` it.
    pub keep: String,
    /// Doubtful pairs the supervisor confirms are one person: `[kept member, other member]`
    /// (see the plan). Sure pairs are merged without being named.
    #[serde(default)]
    pub same: Vec<(String, String)>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PlanQuery {
    /// The registration to keep.
    pub keep: String,
}

/// One member of a registration, as a merge plan names it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PlanMember {
    pub id: String,
    pub name: String,
    pub birth_year: Option<i64>,
    pub relation: String,
    pub id_tail: String,
}

/// How a merge would meet the two registrations' members: sure pairs (one person), doubtful
/// pairs (one person only if confirmed in the merge's `same`), and members added.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MergePlanView {
    pub keep: String,
    pub merged: String,
    pub same: Vec<(PlanMember, PlanMember)>,
    pub doubtful: Vec<(PlanMember, PlanMember)>,
    pub added: Vec<PlanMember>,
}

/// Duplicate item `id` with `status` in the caller's scope (out of scope looks like absent).
async fn duplicate_in_scope(
    app: &AppState,
    who: &Principal,
    id: i64,
    status: &str,
) -> Result<crate::store::projection::DuplicateRow, AppError> {
    app.store
        .duplicate(who.org.as_str(), id, status)
        .await?
        .ok_or(AppError::NotFound)
}

/// The open duplicate item `id` in the caller's scope, and the other registration than `keep`.
async fn duplicate_pair(
    app: &AppState,
    who: &Principal,
    id: i64,
    keep: &str,
) -> Result<(crate::store::projection::DuplicateRow, String), AppError> {
    let item = duplicate_in_scope(app, who, id, "open").await?;
    let other = if keep == item.first_id {
        item.second_id.clone()
    } else if keep == item.second_id {
        item.first_id.clone()
    } else {
        return Err(AppError::BadRequest("keep one of the pair".into()));
    };
    Ok((item, other))
}

async fn household_of(
    app: &AppState,
    id: &str,
) -> Result<linli_sync_core::contract::Household, AppError> {
    let json = read(app, id, |content| {
        content.map(linli_sync_core::contract::to_json)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    serde_json::from_value(json).map_err(|e| AppError::BadRequest(e.to_string()))
}

fn plan_member(h: &linli_sync_core::contract::Household, id: &str) -> PlanMember {
    let m = h.members.get(id).cloned().unwrap_or_default();
    PlanMember {
        id: id.to_owned(),
        name: m.name,
        birth_year: m.birth_year,
        relation: m.relation,
        id_tail: m.id_tail,
    }
}

/// `GET /api/duplicates/{id}/plan?keep=…`: how merging would meet the members.
#[utoipa::path(get, path = "/api/duplicates/{id}/plan", tag = "review", params(("id" = i64, Path), PlanQuery), security(("bearer" = [])), responses((status = 200, body = MergePlanView), (status = 404)))]
pub async fn merge_plan(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PlanQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<MergePlanView>, AppError> {
    let (_, other) = duplicate_pair(&app, &who, id, &q.keep).await?;
    let (keep, merged) = (
        household_of(&app, &q.keep).await?,
        household_of(&app, &other).await?,
    );
    let m = linli_sync_core::merge::match_members(&keep, &merged);
    let pairs = |list: &[(String, String)]| {
        list.iter()
            .map(|(k, o)| (plan_member(&keep, k), plan_member(&merged, o)))
            .collect()
    };
    Ok(Json(MergePlanView {
        same: pairs(&m.same),
        doubtful: pairs(&m.doubtful),
        added: m.added.iter().map(|o| plan_member(&merged, o)).collect(),
        keep: q.keep,
        merged: other,
    }))
}

/// `POST /api/duplicates/{id}/merge` `{keep, same}`: one record per person. The other
/// registration's members are matched to the kept one's by identity (name, birth year, ID
/// tail): sure pairs and the doubtful pairs listed in `same` become one person, the rest are
/// added; its visits are added. The other is marked `merged_into` the kept one and leaves
/// every list, export and indicator; devices still writing to it are told, and what they
/// write is moved over. Undone with `POST /api/duplicates/{id}/undo`.
#[utoipa::path(post, path = "/api/duplicates/{id}/merge", tag = "review", params(("id" = i64, Path)), request_body = MergeRequest, security(("bearer" = [])), responses((status = 200), (status = 400), (status = 404)))]
pub async fn merge_duplicate(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Supervisor(who): Supervisor,
    Json(req): Json<MergeRequest>,
) -> Result<Json<serde_json::Value>, AppError> {
    use linli_sync_core::merge;
    let store = &app.store;
    let (_, other) = duplicate_pair(&app, &who, id, &req.keep).await?;
    let (keep, merged) = (
        household_of(&app, &req.keep).await?,
        household_of(&app, &other).await?,
    );
    let matched = merge::match_members(&keep, &merged);
    for pair in &req.same {
        if !matched.doubtful.contains(pair) && !matched.same.contains(pair) {
            return Err(AppError::BadRequest(format!(
                "{} and {} are not a pair of this plan",
                pair.0, pair.1
            )));
        }
    }
    let same: Vec<(String, String)> = matched.same.iter().chain(&req.same).cloned().collect();
    let plan = merge::plan(&keep, &merged, &same, None);
    merge_households(&app, &who, id, &req.keep, &other, merged, &plan).await?;
    store
        .audit(
            Some(&who.user),
            "duplicate_merge",
            Some(&other),
            Some(&req.keep),
            None,
        )
        .await?;
    Ok(Json(serde_json::json!({
        "kept": req.keep,
        "merged": other,
        "same": plan.same,
        "added_members": plan.added_members,
        "added_visits": plan.added_visits,
    })))
}

/// The merge's three steps: the plan written into the kept registration, the other marked
/// merged into it, the merge recorded with the item closed (one transaction). Either all are
/// made, or what was made is taken back (the same steps an undo takes) and the item stays
/// open: a merge that failed half-way never leaves the kept registration with members a later
/// undo would not know to remove. Should taking back fail as well (storage down), the error
/// is still returned and the extra members stay until a supervisor removes them.
async fn merge_households(
    app: &AppState,
    who: &Principal,
    id: i64,
    keep: &str,
    other: &str,
    merged: linli_sync_core::contract::Household,
    plan: &linli_sync_core::merge::MergePlan,
) -> Result<(), AppError> {
    let absorb = MergeStep::Absorb {
        other: Box::new(merged),
        plan: plan.clone(),
    };
    merge_step(app, who, keep, absorb).await?;
    let marked = merge_step(app, who, other, MergeStep::Mark(Some(keep.to_owned()))).await;
    let was_marked = marked.is_ok();
    let recorded = match marked {
        Ok(()) => {
            let json = serde_json::to_string(plan).unwrap_or_default();
            app.store
                .record_merge(id, keep, other, &json, &who.user)
                .await
                .map_err(AppError::from)
                .and_then(|merge| merge.map(|_| ()).ok_or(AppError::NotFound))
        }
        Err(e) => Err(e),
    };
    if let Err(e) = recorded {
        if was_marked {
            let _ = merge_step(app, who, other, MergeStep::Mark(None)).await;
        }
        let _ = merge_step(app, who, keep, MergeStep::Undo(plan.clone())).await;
        return Err(e);
    }
    Ok(())
}

/// Writes one merge step into `doc` as `who`'s change; answers once it is durable.
async fn merge_step(
    app: &AppState,
    who: &Principal,
    doc: &str,
    step: MergeStep,
) -> Result<(), AppError> {
    Ok(edit(app, doc, ServerEdit::Merge(step), who).await??)
}

/// `POST /api/duplicates/{id}/dismiss`: "not a duplicate": the pair is never offered again.
#[utoipa::path(post, path = "/api/duplicates/{id}/dismiss", tag = "review", params(("id" = i64, Path)), security(("bearer" = [])), responses((status = 200), (status = 404)))]
pub async fn dismiss_duplicate(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Supervisor(who): Supervisor,
) -> Result<Json<serde_json::Value>, AppError> {
    let store = &app.store;
    duplicate_in_scope(&app, &who, id, "open").await?;
    if !store.dismiss_duplicate(id, &who.user).await? {
        return Err(AppError::NotFound);
    }
    store
        .audit(
            Some(&who.user),
            "duplicate_dismiss",
            Some(&id.to_string()),
            None,
            None,
        )
        .await?;
    Ok(Json(serde_json::json!({ "dismissed": id })))
}

/// `POST /api/duplicates/{id}/undo`: undoes a merge: the members and visits it added leave
/// the kept registration, the other is no longer merged, and the item is open again.
#[utoipa::path(post, path = "/api/duplicates/{id}/undo", tag = "review", params(("id" = i64, Path)), security(("bearer" = [])), responses((status = 200), (status = 404)))]
pub async fn undo_merge(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Supervisor(who): Supervisor,
) -> Result<Json<serde_json::Value>, AppError> {
    let store = &app.store;
    duplicate_in_scope(&app, &who, id, "merged").await?;
    let record = store
        .merge_for_duplicate(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan: linli_sync_core::merge::MergePlan =
        serde_json::from_str(&record.plan).map_err(|e| AppError::BadRequest(e.to_string()))?;
    merge_step(&app, &who, &record.merged, MergeStep::Mark(None)).await?;
    merge_step(&app, &who, &record.kept, MergeStep::Undo(plan)).await?;
    store.undo_merge(&record, &who.user).await?;
    store
        .audit(
            Some(&who.user),
            "duplicate_unmerge",
            Some(&record.merged),
            Some(&record.kept),
            None,
        )
        .await?;
    Ok(Json(
        serde_json::json!({ "kept": record.kept, "restored": record.merged }),
    ))
}
