//! What commands print: a line or two for people, or one JSON value for scripts.

use linli_field::{Status, SyncReport};
use serde_json::Value;

/// What a command prints.
pub struct Output {
    pub json: Value,
    pub text: String,
    /// False when a sync did not complete.
    pub complete: bool,
}

impl Output {
    pub fn new(json: Value, text: impl Into<String>) -> Self {
        Self {
            json,
            text: text.into(),
            complete: true,
        }
    }
}

/// A sync round's output, after `head`.
pub fn sync_output(json: Value, report: &SyncReport, head: String) -> Output {
    let mut text = head;
    if let Some(scope) = &report.scope {
        text.push_str(&format!(
            "Your account was changed: {} of {} before, {} of {} now.\n",
            scope.from_role, scope.from_org, scope.to_role, scope.to_org
        ));
    }
    if report.complete {
        text.push_str(&format!(
            "Sync complete: {} documents updated from the server.",
            report.updated.len()
        ));
    } else {
        text.push_str("Sync did not complete: some changes are still pending.");
    }
    for u in &report.undeliverable {
        text.push_str(&format!(
            "\n  cannot deliver {} changes to {}: {}; {}",
            u.pending,
            u.document,
            u.reason,
            if u.quarantined {
                "they were handed to the server's quarantine for a supervisor"
            } else {
                "they stay on this device"
            }
        ));
    }
    for id in &report.unavailable {
        if !report.undeliverable.iter().any(|u| &u.document == id) && !report.removed.contains(id) {
            text.push_str(&format!("\n  unavailable (unknown or not yours): {id}"));
        }
    }
    for id in &report.removed {
        text.push_str(&format!(
            "\n  removed from this device (no longer yours to read): {id}"
        ));
    }
    for e in &report.errors {
        text.push_str(&format!("\n  server: {e}"));
    }
    Output {
        json,
        text,
        complete: report.complete,
    }
}

/// `status` for people.
pub fn status_text(s: &Status) -> String {
    let mut lines = Vec::new();
    match &s.login {
        Some(l) => lines.push(format!(
            "Logged in as {} ({}, {}) at {}, device {}.",
            l.user, l.role, l.org, l.server, l.device
        )),
        None => lines.push("Not logged in.".into()),
    }
    lines.push(
        if s.encrypted {
            "Local store: encrypted."
        } else {
            "Local store: not encrypted."
        }
        .into(),
    );
    lines.push(format!("Documents: {}", s.documents));
    lines.push(format!("Pending changes: {}", s.pending_changes));
    for (id, n) in &s.pending_by_document {
        lines.push(format!("  {id}  {n}"));
    }
    lines.push(format!(
        "Last sync: {}",
        s.last_sync.as_deref().unwrap_or("never")
    ));
    lines.join("\n")
}

/// Any serialisable value as JSON.
pub fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sync_says_the_account_moved_and_what_left_the_device() {
        let report = SyncReport {
            scope: Some(linli_field::ScopeChange {
                from_role: "worker".into(),
                from_org: "c01/s01/m01/g01".into(),
                to_role: "worker".into(),
                to_org: "c01/s01/m01/g02".into(),
            }),
            removed: vec!["doc-a".into()],
            unavailable: vec!["doc-a".into()],
            complete: true,
            ..SyncReport::default()
        };
        let text = sync_output(Value::Null, &report, String::new()).text;
        assert!(text.contains("worker of c01/s01/m01/g02 now"), "{text}");
        assert!(text.contains("removed from this device"), "{text}");
        assert!(!text.contains("unavailable (unknown"), "said once: {text}");
    }
}
