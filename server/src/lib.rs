//! Linli's sync server: the automerge-repo websocket protocol on `/sync`, durable storage in
//! SQLite or PostgreSQL, and one actor per loaded document. See ARCHITECTURE.md.

mod activities_api;
pub mod admin;
mod admin_api;
mod audit_api;
pub mod auth;
mod certificate_pdf;
mod certificates_api;
pub mod clock;
mod cluster;
mod communities_api;
pub mod config;
pub mod demo;
mod demo_seed;
mod directory_api;
mod doc_actor;
mod documents_api;
pub mod error;
pub mod export;
pub mod export_scope;
pub mod export_words;
mod hub;
pub mod indicators;
pub mod labels;
pub mod limits;
mod openapi;
mod outbox;
pub mod people_admin;
mod people_api;
pub mod people_import;
pub mod private_files;
mod quarantine_api;
pub mod register_import;
pub mod report_table;
mod review_api;
mod sockets;
pub mod store;
pub mod table_file;
pub mod tls;
mod volunteer_export;
pub mod volunteer_signup;
mod volunteer_signup_api;
mod volunteers_api;
mod web;
mod ws;

use std::future::Future;
use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use linli_sync_core::wire::PeerId;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::ServeConfig;
pub use error::AppError;
use hub::{Hub, HubSettings};
use store::Store;

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<ServeConfig>,
    pub storage_id: String,
    pub keys: auth::Keys,
    pub limiter: auth::LoginLimiter,
    pub passwords: auth::PasswordChecker,
    /// The database (the same `Store` the hub's documents commit to).
    pub(crate) store: Store,
    pub(crate) hub: Hub,
    pub(crate) tracker: TaskTracker,
    /// Live `/sync` connections, per address and in all.
    pub(crate) connections: Arc<limits::ConnectionLimits>,
    /// Indicator totals kept per community between reports.
    pub(crate) kept_totals: Arc<indicators::KeptTotals>,
    /// The font of certificates' PDF, read on first use (or why there is none).
    pub(crate) certificate_font: Arc<tokio::sync::OnceCell<CertificateFontLoaded>>,
}

/// The certificates' font as loaded once: the font, or why there is none.
pub(crate) type CertificateFontLoaded = Result<Arc<certificate_pdf::CertificateFont>, String>;

/// Opens the store, seeds demo data if asked, and serves on `listener` until `shutdown`
/// resolves; then stops accepting, closes connections, lets in-flight commits finish and
/// closes the database.
///
/// `tls_listener`, when given (and TLS is configured), serves the same routes over HTTPS/WSS.
pub async fn run(
    listener: TcpListener,
    tls_listener: Option<std::net::TcpListener>,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let store = store::open(config.database_url.as_deref(), &config.data_dir).await?;
    // Before the demo seed: on a new database this only records that projections are current.
    store.reproject_if_stale(&config.time_zone).await?;
    if config.demo {
        demo_seed::seed_if_empty(&store, &config.time_zone).await?;
    }
    serve(listener, tls_listener, config, store, shutdown).await
}

/// Serves an already opened store.
pub async fn serve(
    listener: TcpListener,
    tls_listener: Option<std::net::TcpListener>,
    config: ServeConfig,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    // The data directory holds TLS keys (and, for older deployments, the JWT secret) whatever
    // the database: readable by the server's user only.
    private_files::private_dir(&config.data_dir)?;
    let tls_config = tls::config(&config).await?;
    let storage_id = store.storage_id().await?;
    let keys =
        auth::Keys::for_deployment(&store, &config.data_dir, config.jwt_secret_file.as_deref())
            .await?;
    let token = CancellationToken::new();
    let tracker = TaskTracker::new();
    let settings = HubSettings {
        server_peer: server_peer_id(),
        evict_after: config.evict_after(),
        park_after: config.park_after(),
        snapshot_every: config.snapshot_every.max(1),
        server_actor: server_actor(&storage_id),
        queue_capacity: config.doc_queue_capacity,
        queue_wait: config.doc_queue_wait(),
        node_id: cluster::node_id(),
        time_zone: config.time_zone.clone(),
        actor_secret: rand::random(),
        max_ops_per_message: config.max_ops_per_message,
    };
    let hub = Hub::new(store.clone(), settings, tracker.clone(), token.clone());
    let connections =
        limits::ConnectionLimits::new(config.max_connections, config.max_connections_per_address);
    let sockets = limits::ConnectionLimits::new(
        sockets::max_sockets(config.max_sockets),
        config.max_sockets_per_address,
    );
    let header_read_timeout = std::time::Duration::from_secs(config.header_read_timeout_secs);
    let passwords = auth::PasswordChecker::default();
    // The dummy hash for unknown names, made before the first login needs it.
    let warm = passwords.clone();
    tokio::task::spawn_blocking(move || warm.warm());
    let state = AppState {
        connections,
        config: Arc::new(config),
        storage_id,
        keys,
        limiter: auth::LoginLimiter::default(),
        passwords,
        store: store.clone(),
        hub: hub.clone(),
        tracker: tracker.clone(),
        kept_totals: Arc::default(),
        certificate_font: Arc::default(),
    };
    if let Some(pool) = store.listen_pool() {
        cluster::spawn(pool.clone(), hub.clone(), &tracker, token.clone());
    }
    tracker.spawn(revocation_sweeper(hub, token.clone()));
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tracing::info!(backend = store.backend(), "serving");
    let handle = axum_server::Handle::new();
    let acceptor = sockets::SocketAcceptor::new(sockets);
    let tls_task = match (tls_listener, tls_config) {
        (Some(listener), Some(tls)) => {
            let tls = axum_server::tls_rustls::RustlsAcceptor::new(tls).acceptor(acceptor.clone());
            let mut server = axum_server::from_tcp(listener)?
                .acceptor(tls)
                .handle(handle.clone());
            limit_header_reads(server.http_builder(), header_read_timeout);
            let app = app.clone();
            Some(tokio::spawn(async move { server.serve(app).await }))
        }
        _ => None,
    };
    let mut server = axum_server::from_tcp(listener.into_std()?)?
        .acceptor(acceptor)
        .handle(handle.clone());
    limit_header_reads(server.http_builder(), header_read_timeout);
    let stop = token.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.cancel();
        handle.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    server.serve(app).await?;
    token.cancel();
    if let Some(task) = tls_task {
        if let Ok(Err(e)) = task.await {
            tracing::warn!(error = %e, "TLS listener ended with an error");
        }
    }
    tracker.close();
    tracker.wait().await;
    store.close().await;
    Ok(())
}

/// Closes HTTP/1 connections whose request head takes longer than `timeout` (hyper's timer
/// must be set for its header timeout to apply at all).
fn limit_header_reads(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    timeout: std::time::Duration,
) {
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(timeout);
}

/// `GET /api/status`: what the server holds in memory right now, for operators.
async fn status(
    axum::extract::State(app): axum::extract::State<AppState>,
) -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "backend": app.store.backend(),
        "documents_loaded": app.hub.loaded_documents(),
        "documents_parked": app.hub.parked_documents(),
        "peers_connected": app.hub.connected_peers(),
        "sync_connections": app.connections.live(),
    }))
}

/// This process's peer id on the wire: `ln-` and eight random base-36 characters.
///
/// The id travels in every sync message (as sender or target), so it is kept as short as the
/// anchors' (`node-anchor`, `samod-anchor`); a thousand documents in step cost two messages
/// each. It only has to differ between the nodes a client might meet (36^8 ≈ 2.8 × 10^12); the
/// deployment is named by the storage id of the `peer` message instead.
fn server_peer_id() -> PeerId {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut n = rand::random::<u64>();
    let mut id = String::from("ln-");
    for _ in 0..8 {
        id.push(char::from(DIGITS[(n % 36) as usize]));
        n /= 36;
    }
    PeerId(id)
}

/// The server's own actor id (for compensating changes), stable for a storage.
fn server_actor(storage_id: &str) -> linli_sync_core::automerge::ActorId {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("linli-server:{storage_id}").as_bytes());
    linli_sync_core::automerge::ActorId::from(digest[..16].to_vec())
}

/// Ends the live connections of devices revoked elsewhere (the CLI, another node) and of
/// users whose role or unit changed or who were disabled (they reconnect, if they still may,
/// under what the user is now), checking the database every two seconds.
async fn revocation_sweeper(hub: Hub, shutdown: CancellationToken) {
    let mut since = clock::now_ms();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
        }
        let checked_at = clock::now_ms();
        let store = hub.store();
        let found = match store.revoked_since(since - 1).await {
            Ok(revoked) => store
                .devices_of_users_changed_since(since - 1)
                .await
                .map(|changed| (revoked, changed)),
            Err(e) => Err(e),
        };
        match found {
            Ok((revoked, changed)) => {
                for d in revoked {
                    hub.revoke_device(&d);
                }
                for (d, at) in changed {
                    hub.end_connections_before(&d, at);
                }
                since = checked_at;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not check revoked devices and changed users")
            }
        }
    }
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/login", axum::routing::post(auth::api::login))
        .route("/api/deployment", get(auth::api::deployment))
        .route("/api/me", get(auth::api::me))
        .route(
            "/api/volunteers/communities",
            get(volunteer_signup_api::communities),
        )
        .route(
            "/api/volunteers/sign-up",
            axum::routing::post(volunteer_signup_api::sign_up),
        )
        .route("/api/volunteers/sign-ups", get(volunteer_signup_api::list))
        .route(
            "/api/volunteers/sign-ups/{id}",
            axum::routing::post(volunteer_signup_api::decide),
        )
        .route("/api/volunteers/me", get(volunteer_signup_api::me))
        .route("/api/volunteers", get(volunteers_api::list))
        .route("/api/volunteers/hours", get(volunteers_api::hours))
        .route("/api/volunteers/summary", get(volunteers_api::summary))
        .route(
            "/api/volunteers/export/registry",
            get(volunteer_export::registry),
        )
        .route(
            "/api/volunteers/export/hours",
            get(volunteer_export::hours_file),
        )
        .route(
            "/api/activities",
            get(activities_api::list).post(activities_api::create),
        )
        .route("/api/activities/{id}", get(activities_api::get_one))
        .route(
            "/api/activities/{id}/enrol",
            axum::routing::post(activities_api::enrol),
        )
        .route(
            "/api/activities/{id}/withdraw",
            axum::routing::post(activities_api::withdraw),
        )
        .route("/api/activities/{id}/key", get(activities_api::key))
        .route(
            "/api/activities/{id}/attendance",
            axum::routing::post(activities_api::attend),
        )
        .route(
            "/api/activities/{id}/confirm",
            axum::routing::post(activities_api::confirm),
        )
        .route(
            "/api/certificates",
            get(certificates_api::list).post(certificates_api::request),
        )
        .route("/api/certificates/{id}", get(certificates_api::get_one))
        .route("/api/certificates/{id}/pdf", get(certificates_api::pdf))
        .route(
            "/api/certificates/{id}/issue",
            axum::routing::post(certificates_api::issue),
        )
        .route(
            "/api/certificates/verify/{number}",
            get(certificates_api::verify),
        )
        .route("/api/refresh", axum::routing::post(auth::api::refresh))
        .route(
            "/api/emergency-access",
            get(auth::api::active_grants).post(auth::api::emergency_access),
        )
        .route(
            "/api/orgs",
            get(admin_api::list_orgs)
                .post(admin_api::add_org)
                .patch(people_api::change_org),
        )
        .route("/api/orgs/admin", get(people_api::list_units))
        .route(
            "/api/users",
            get(people_api::list_users).post(admin_api::add_user),
        )
        .route(
            "/api/users/change",
            axum::routing::post(people_api::change_user),
        )
        .route(
            "/api/users/password",
            axum::routing::post(people_api::reset_password),
        )
        .route(
            "/api/users/disable",
            axum::routing::post(people_api::disable_user),
        )
        .route(
            "/api/users/enable",
            axum::routing::post(people_api::enable_user),
        )
        .route("/api/devices", get(people_api::list_devices))
        .route(
            "/api/users/import",
            axum::routing::post(people_api::import_users),
        )
        .route("/api/directory", get(directory_api::directory))
        .route(
            "/api/devices/revoke",
            axum::routing::post(admin_api::revoke_device),
        )
        .route(
            "/api/quarantine",
            get(quarantine_api::list).post(quarantine_api::hand_over),
        )
        .route(
            "/api/quarantine/{id}/accept",
            axum::routing::post(quarantine_api::accept),
        )
        .route(
            "/api/quarantine/{id}/dismiss",
            axum::routing::post(quarantine_api::dismiss),
        )
        .route(
            "/api/households/import",
            axum::routing::post(people_api::import_register),
        )
        .route(
            "/api/households/move",
            axum::routing::post(review_api::move_household),
        )
        .route("/api/conflicts", get(review_api::list))
        .route(
            "/api/conflicts/{id}/resolve",
            axum::routing::post(review_api::resolve),
        )
        .route(
            "/api/conflicts/{id}/accept",
            axum::routing::post(review_api::accept),
        )
        .route("/api/volunteer-entries", get(review_api::list_entries))
        .route(
            "/api/review/entries",
            axum::routing::post(review_api::review_entries),
        )
        .route(
            "/api/review/visits",
            axum::routing::post(review_api::review_visits),
        )
        .route(
            "/api/review/households",
            axum::routing::post(review_api::review_households),
        )
        .route("/api/indicators", get(review_api::indicators))
        .route("/api/communities", get(communities_api::list))
        .route("/api/history", get(review_api::history))
        .route("/api/duplicates", get(review_api::list_duplicates))
        .route("/api/households", get(review_api::list_households))
        .route("/api/requests", get(review_api::list_requests))
        .route("/api/follow-ups", get(review_api::follow_ups))
        .route("/api/documents", get(documents_api::list))
        .route("/api/records/{dataset}", get(review_api::records))
        .route(
            "/api/duplicates/{id}/merge",
            axum::routing::post(review_api::merge_duplicate),
        )
        .route("/api/duplicates/{id}/plan", get(review_api::merge_plan))
        .route(
            "/api/duplicates/{id}/dismiss",
            axum::routing::post(review_api::dismiss_duplicate),
        )
        .route(
            "/api/duplicates/{id}/undo",
            axum::routing::post(review_api::undo_merge),
        )
        .route("/api/export/{file}", get(review_api::export))
        .route("/sync", get(ws::sync_handler))
        .route("/api/status", get(status))
        .route("/api/audit", get(audit_api::read))
        .route("/api/openapi.json", get(openapi::document))
        .fallback_service(get(web::serve).layer(tower_http::compression::CompressionLayer::new()))
        .with_state(state)
}
