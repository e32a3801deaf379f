//! Which stored documents a caller may read, as one page of ids (`GET /api/documents`).
//!
//! The filter is the access policy's read scope (`access::can_read`) written as SQL: everything
//! for admins; a volunteer's own volunteer document (by its projected `user`); for workers
//! and supervisors every document whose org lies at or under one of their scopes, and for
//! workers their community's record; and for workers and volunteers the requests assigned to
//! them (by the projected `assignee`), wherever those are.
//!
//! Org containment is tested with `substr`, not `LIKE`: `LIKE` treats `_` (allowed in org
//! segments) as a wildcard and is case-insensitive in SQLite, so `c01/s_1` would match
//! `c01/sx1/…` and `c01/s01` would match `C01/S01/…`. The prefix carries the trailing `/`, so
//! `c01/s01` never matches `c01/s010`.

use sqlx::Row;

use super::Store;

/// A stored document as listed: its id, kind and org.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DocumentRow {
    pub document_id: String,
    pub kind: String,
    pub org: String,
}

/// The documents a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadScope {
    /// Every document (admins).
    All,
    /// The volunteer documents whose `user` is this user, and the requests assigned to them
    /// (volunteers).
    Owner(String),
    /// Documents at or under any of these org paths (workers and supervisors: their scope and
    /// any emergency grants), the requests assigned to `user`, and with `community_of` the
    /// community records at or above that org (a worker's grid).
    Orgs {
        orgs: Vec<String>,
        user: String,
        community_of: Option<String>,
    },
}

/// The condition "a request assigned to the user bound as `$n`", on `documents d`.
fn assigned_to(n: usize) -> String {
    format!(
        "(d.kind = 'request' AND d.id IN (SELECT r.document_id FROM p_requests r \
         WHERE r.assignee = ${n} AND r.assignee_kind IN ('worker', 'volunteer')))"
    )
}

impl Store {
    /// One page of the documents `scope` may read, optionally of one `kind`, ordered by id.
    pub async fn readable_documents(
        &self,
        scope: &ReadScope,
        kind: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<DocumentRow>, sqlx::Error> {
        let mut sql = String::from("SELECT d.id, d.kind, d.org FROM documents d");
        let mut binds: Vec<String> = Vec::new();
        let mut conditions: Vec<String> = Vec::new();
        match scope {
            ReadScope::All => {}
            ReadScope::Owner(user) => {
                binds.push(user.clone());
                let n = binds.len();
                conditions.push(format!(
                    "((d.kind = 'volunteer' AND d.id IN (SELECT v.document_id FROM p_volunteers v WHERE v.user_name = ${n})) OR {})",
                    assigned_to(n)
                ));
            }
            ReadScope::Orgs {
                orgs,
                user,
                community_of,
            } => {
                let mut alternatives = Vec::with_capacity(orgs.len() + 2);
                for org in orgs {
                    binds.push(org.clone());
                    let exact = binds.len();
                    binds.push(format!("{org}/"));
                    let under = binds.len();
                    alternatives.push(format!(
                        "d.org = ${exact} OR substr(d.org, 1, length(${under})) = ${under}"
                    ));
                }
                binds.push(user.clone());
                alternatives.push(assigned_to(binds.len()));
                if let Some(grid) = community_of {
                    // The community records whose org is a prefix of the grid's (segment-wise).
                    binds.push(format!("{grid}/"));
                    alternatives.push(format!(
                        "(d.kind = 'community' AND substr(${n}, 1, length(d.org) + 1) = d.org || '/')",
                        n = binds.len()
                    ));
                }
                conditions.push(format!("({})", alternatives.join(" OR ")));
            }
        }
        if let Some(kind) = kind {
            binds.push(kind.to_owned());
            conditions.push(format!("d.kind = ${}", binds.len()));
        }
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(&format!(
            " ORDER BY d.id LIMIT ${} OFFSET ${}",
            binds.len() + 1,
            binds.len() + 2
        ));
        let pool = self.pool();
        let mut query = sqlx::query(&sql);
        for value in &binds {
            query = query.bind(value);
        }
        let rows = query.bind(limit).bind(offset).fetch_all(pool).await?;
        rows.iter()
            .map(|r| {
                Ok(DocumentRow {
                    document_id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    org: r.try_get("org")?,
                })
            })
            .collect()
    }
}
