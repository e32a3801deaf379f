//! The policy's indicators (`indicators::report`: the unit and each unit below it) over a county of 100,000 households and
//! about 300,000 residents, per org unit, as the review API's drill-down asks for them: one
//! grid, one street, the whole county. Target (issue #6): ≤ 100 ms per org unit.
//!
//! The county is the demo generator's (`demo::generate`: the same household shapes, visits,
//! reviews, volunteers with hours, requests and communities the demo server shows), scaled to
//! 8 streets × 5 communities × 10 grids × 250 households. The generator's org tree always
//! starts at `c01/s01`, so it is run four times (two streets each, one urban and one rural)
//! with different seeds, and each run's streets are renamed `s01`…`s08`. Every document goes
//! through the real projection writer: `Projection::of` on the automerge document, then
//! `Store::commit` creating the document with its projection (the change log itself is not
//! written: the indicators never read it, and it would only make seeding slower).
//!
//! SQLite: seeded once into `target/linli-bench/` (keyed by `SEED_VERSION` and the migrations'
//! digest, with `synchronous=OFF` while seeding), then copied into a temp dir and opened with
//! the server's own settings for every run. PostgreSQL (`LINLI_TEST_PG`, default
//! `postgres://postgres@127.0.0.1:5432/test`): a database `linli_bench_indicators` is created,
//! filled from that SQLite copy by the server's backup and restore (the same rows), analysed
//! (as autovacuum would soon do), measured and dropped; skipped with a note when the server is
//! not reachable.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use futures_util::stream::{self, StreamExt};
use linli_server::demo::{self, DemoSize};
use linli_server::indicators::{self, KeptTotals};
use linli_server::store::projection::{Projection, ProjectionWrite};
use linli_server::store::{self, backup, CommitExtras, Origin, Store};
use linli_sync_core::calendar::DEFAULT_TIME_ZONE;
use linli_sync_core::contract::{validate_root, OrgPath, RootInfo};
use sha2::{Digest, Sha256};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

/// Bump when the seeded county changes (generator use, sizes, seeds), to reseed the cache.
const SEED_VERSION: u32 = 3;
/// The demo's "today"; the indicators' period is its year, counted as of today.
const TODAY: &str = "2026-11-20";
const PERIOD: &str = "2026";
/// Street pairs (one urban, one rural street each) generated with seeds `SEED + pair`.
const PAIRS: u64 = 4;
const SEED: u64 = 20_261_120;
const PG_DB: &str = "linli_bench_indicators";

/// The org units measured: (benchmark name, org).
const UNITS: &[(&str, &str)] = &[
    ("grid", "c01/s03/m02/g05"),
    ("street", "c01/s03"),
    ("county", "c01"),
];

fn size() -> DemoSize {
    DemoSize {
        streets: 2,
        communities_per_street: 5,
        grids_per_community: 10,
        households_per_grid: 250,
        volunteers_per_community: 12,
    }
}

/// `c01/s01/…` of generator run `pair` renamed to its place in the county (`c01/s0{2·pair+1}/…`).
fn rename(org: &OrgPath, pair: u64) -> OrgPath {
    let mut parts: Vec<String> = org.as_str().split('/').map(str::to_owned).collect();
    if parts.len() > 1 {
        let street: u64 = parts[1][1..].parse().expect("street number");
        parts[1] = format!("s{:02}", 2 * pair + street);
    }
    OrgPath::parse(&parts.join("/")).expect("renamed org is valid")
}

/// Writes the county through `Store::commit`, `parallel` commits at a time.
async fn seed(store: &Store, parallel: usize) {
    let origin = Origin {
        peer: Some("bench-seed".into()),
        ..Origin::default()
    };
    let started = Instant::now();
    for pair in 0..PAIRS {
        let documents = demo::generate(SEED + pair, TODAY, &size());
        let generated = started.elapsed();
        let commits = documents.into_iter().map(|d| {
            let root = validate_root(&d.doc).expect("demo documents are valid");
            let projection =
                Projection::of(&d.doc, &root, DEFAULT_TIME_ZONE).expect("demo records read back");
            let root = RootInfo {
                kind: root.kind,
                org: rename(&root.org, pair),
            };
            (d.id.to_string(), root, projection)
        });
        stream::iter(commits)
            .map(|(id, root, projection)| {
                let origin = &origin;
                async move {
                    let extras = CommitExtras {
                        projection: Some(ProjectionWrite::full(root.org.to_string(), projection)),
                        ..CommitExtras::default()
                    };
                    store
                        .commit(&id, Some(&root), &[], origin, &extras)
                        .await
                        .expect("seed commit");
                }
            })
            .buffer_unordered(parallel)
            .collect::<Vec<()>>()
            .await;
        eprintln!(
            "  seeded streets {} and {} ({:.0?} so far, generating up to {:.0?})",
            2 * pair + 1,
            2 * pair + 2,
            started.elapsed(),
            generated
        );
    }
}

async fn count(store: &Store, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    sqlx::query_scalar(&sql)
        .fetch_one(store.pool())
        .await
        .expect("count")
}

async fn describe(store: &Store) {
    eprintln!(
        "  {}: {} households, {} residents, {} visits, {} volunteers, {} volunteer entries, {} requests, {} communities",
        store.backend(),
        count(store, "p_households").await,
        count(store, "p_residents").await,
        count(store, "p_visits").await,
        count(store, "p_volunteers").await,
        count(store, "p_volunteer_entries").await,
        count(store, "p_requests").await,
        count(store, "p_communities").await,
    );
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// A digest of the SQLite migrations, so a cached database never predates the schema.
fn migrations_digest() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("migrations dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.file_name().expect("file").as_encoded_bytes());
        hasher.update(std::fs::read(&f).expect("read migration"));
    }
    hex::encode(&hasher.finalize()[..6])
}

/// The seeded SQLite file, made on first use.
async fn cached_sqlite() -> PathBuf {
    let dir = target_dir().join("linli-bench");
    let path = dir.join(format!(
        "indicators-v{SEED_VERSION}-{}.sqlite3",
        migrations_digest()
    ));
    if path.exists() {
        return path;
    }
    std::fs::create_dir_all(&dir).expect("create cache dir");
    eprintln!(
        "indicators: seeding SQLite (once; cached as {})",
        path.display()
    );
    let scratch = tempfile::tempdir_in(&dir).expect("scratch dir");
    let file = scratch.path().join("seed.sqlite3");
    // The server's schema, but no fsync per commit while seeding.
    let url = SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true)
        .to_url_lossy();
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;",
                )
                .await
                .map(|_| ())
            })
        })
        .connect_with(AnyConnectOptions::from_url(&url).expect("seed database URL"))
        .await
        .expect("open seed database");
    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .expect("migrate");
    let store = Store::on_sqlite_pool(pool.clone());
    seed(&store, 1).await;
    describe(&store).await;
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&pool)
        .await
        .expect("leave WAL");
    pool.close().await;
    std::fs::rename(&file, &path).expect("move seeded database into the cache");
    path
}

/// The communities with a record at or under `org`.
async fn communities_under(store: &Store, org: &str) -> Vec<String> {
    let sql = "SELECT org FROM p_communities WHERE substr(org, 1, length($1)) = $1 ORDER BY org";
    let under = format!("{org}/");
    sqlx::query_scalar(sql)
        .bind(&under)
        .fetch_all(store.pool())
        .await
        .expect("communities")
}

/// Raises the version of one community, as a commit in it does (the totals kept for it are
/// then counted again; what the commit changed does not matter for the work).
async fn touch(store: &Store, unit: &str) {
    let sql = "INSERT INTO indicator_versions (unit, version) VALUES ($1, 1) \
               ON CONFLICT (unit) DO UPDATE SET version = indicator_versions.version + 1";
    sqlx::query(sql)
        .bind(unit)
        .execute(store.pool())
        .await
        .expect("raise a community's version");
}

/// Measures every org unit of `UNITS` on `store`, counted afresh (nothing kept: a server's
/// first report of a period, or every community changed since the last), then the county
/// and a street with the totals kept, with nothing changed and with one community changed.
fn measure(c: &mut Criterion, rt: &tokio::runtime::Runtime, store: &Store) {
    let mut group = c.benchmark_group(format!("indicators_{}", store.backend()));
    group.sample_size(10);
    let period = indicators::Period::parse(Some(PERIOD), None, None, TODAY).expect("a period");
    for (name, org) in UNITS {
        let one = rt
            .block_on(indicators::report(
                store,
                &KeptTotals::default(),
                org,
                &period,
            ))
            .expect("indicators");
        assert!(one.indicators.households > 0, "{org} holds households");
        eprintln!(
            "  {name} {org}: {} households, {} residents, {} units below",
            one.indicators.households,
            one.indicators.residents,
            one.children.len()
        );
        group.bench_with_input(BenchmarkId::new("afresh", name), org, |b, org| {
            b.iter(|| {
                rt.block_on(indicators::report(
                    store,
                    &KeptTotals::default(),
                    org,
                    &period,
                ))
                .expect("indicators")
            })
        });
    }
    for (name, org) in UNITS.iter().filter(|(name, _)| *name != "grid") {
        let kept = KeptTotals::default();
        let afresh = rt
            .block_on(indicators::report(store, &kept, org, &period))
            .expect("indicators");
        group.bench_with_input(BenchmarkId::new("kept", name), org, |b, org| {
            b.iter(|| {
                let report = rt
                    .block_on(indicators::report(store, &kept, org, &period))
                    .expect("indicators");
                assert_eq!(report.indicators.residents, afresh.indicators.residents);
                report
            })
        });
        // One community of the unit changed before each report, a different one each time.
        let communities = rt.block_on(communities_under(store, org));
        assert!(!communities.is_empty(), "{org} has communities");
        let mut next = 0;
        group.bench_with_input(BenchmarkId::new("kept_one_changed", name), org, |b, org| {
            b.iter_batched(
                || {
                    rt.block_on(touch(store, &communities[next % communities.len()]));
                    next += 1;
                },
                |()| {
                    rt.block_on(indicators::report(store, &kept, org, &period))
                        .expect("indicators")
                },
                criterion::BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn indicators(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let cached = rt.block_on(cached_sqlite());
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(&cached, dir.path().join(store::SQLITE_FILE)).expect("copy the seeded database");
    let sqlite = rt
        .block_on(store::open(None, dir.path()))
        .expect("open SQLite");
    rt.block_on(describe(&sqlite));
    measure(c, &rt, &sqlite);
    rt.block_on(sqlite.close());
    postgres(c, &rt, dir.path());
}

/// The same county on PostgreSQL: the seeded SQLite database in `sqlite_dir` is copied by the
/// server's own backup and restore (every row as the projection writer wrote it, so both
/// backends answer over identical data, and seeding takes seconds instead of minutes).
fn postgres(c: &mut Criterion, rt: &tokio::runtime::Runtime, sqlite_dir: &Path) {
    let admin = std::env::var("LINLI_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let connect = async {
        let options = sqlx::postgres::PgConnectOptions::from_str(&admin)?;
        tokio::time::timeout(
            Duration::from_secs(5),
            sqlx::PgConnection::connect_with(&options),
        )
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
    };
    let mut conn = match rt.block_on(connect) {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!("indicators: PostgreSQL not reachable at {admin} ({e}): skipped");
            return;
        }
    };
    let run = |sql: String, conn: &mut sqlx::PgConnection| {
        rt.block_on(sqlx::query(&sql).execute(conn))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    };
    run(format!("DROP DATABASE IF EXISTS {PG_DB}"), &mut conn);
    run(format!("CREATE DATABASE {PG_DB}"), &mut conn);
    let url = format!(
        "{}/{PG_DB}",
        admin.rsplit_once('/').expect("url names a database").0
    );
    eprintln!("indicators: copying the county into PostgreSQL database {PG_DB}");
    let started = Instant::now();
    let scratch = tempfile::tempdir().expect("temp dir");
    let file = scratch.path().join("county.backup");
    rt.block_on(async {
        backup::backup(None, sqlite_dir, &file, "bench").await?;
        backup::restore(&file, Some(&url), scratch.path(), "bench").await
    })
    .expect("backup and restore into PostgreSQL");
    let store = rt
        .block_on(store::open(Some(&url), scratch.path()))
        .expect("open PostgreSQL");
    // After a bulk load autovacuum would soon analyse the tables; do it now.
    rt.block_on(async {
        sqlx::query("ANALYZE")
            .execute(store.pool())
            .await
            .map(|_| ())
    })
    .expect("analyze");
    eprintln!("  copied in {:.0?}", started.elapsed());
    rt.block_on(describe(&store));
    measure(c, rt, &store);
    rt.block_on(store.close());
    run(format!("DROP DATABASE {PG_DB}"), &mut conn);
    rt.block_on(conn.close()).ok();
}

criterion_group!(benches, indicators);
criterion_main!(benches);
