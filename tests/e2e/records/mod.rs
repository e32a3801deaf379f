//! "Records you can trust": each case users met where Linli stored a wrong value, refused a
//! right one or lost one, driven the way the case was seen (the stock JS client, `linli-field`,
//! the API), on both databases.

mod files;
mod merges;
mod quarantine;
mod removals;
mod resolutions;
mod shapes;
mod stranded;
mod times;
mod values;

use crate::harness::{http_get_auth, js, ServerProcess};

/// Org paths of the test accounts.
pub const GRID: &str = "c01/s01/m01/g01";
pub const COMMUNITY: &str = "c01/s01/m01";
pub const STREET: &str = "c01/s01";

/// The sync URL with a token, as the stock JS client must give it.
pub fn ws_with(server: &ServerProcess, token: &str) -> String {
    format!("{}?token={token}", server.ws_url())
}

/// Creates `doc` through the stock JS client: `{accepted, errors, url, doc}`.
pub async fn js_create(
    server: &ServerProcess,
    token: &str,
    doc: &serde_json::Value,
) -> serde_json::Value {
    js(&[
        "create-doc",
        "--server",
        &ws_with(server, token),
        "--doc",
        &doc.to_string(),
    ])
    .await
}

/// Writes fields of a stored document in one change through the stock JS client and waits
/// until the server's copy matches: `{errors, doc}` (the document as the server left it).
pub async fn js_edit(
    server: &ServerProcess,
    token: &str,
    url: &str,
    sets: &serde_json::Value,
) -> serde_json::Value {
    js(&[
        "edit",
        "--server",
        &ws_with(server, token),
        "--url",
        url,
        "--set",
        &sets.to_string(),
    ])
    .await
}

/// The `error` messages a JS command reported, as one string to search.
pub fn errors(out: &serde_json::Value) -> String {
    out["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// A GET that must answer 200; its JSON.
pub async fn get_json(server: &ServerProcess, path: &str, token: &str) -> serde_json::Value {
    let (status, body) = http_get_auth(&server.addr, path, token).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

/// The date `days` from today (UTC), `YYYY-MM-DD`.
pub fn day(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    linli_sync_core::calendar::date_from_ms(now + days * 86_400_000)
}
