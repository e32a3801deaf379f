//! End-to-end tests across real processes: the `linli-server` binary on an ephemeral port with
//! a real SQLite file or a real PostgreSQL database, our Rust field client, and the stock
//! `@automerge/automerge-repo` JavaScript client under Node.
//!
//! Binaries come from the workspace's target directory (`cargo build --workspace --bins` first;
//! `.ci/run` does). PostgreSQL tests use `LINLI_TEST_PG` (default: the local `test` database);
//! they skip when it is unreachable, except under `CI=true`, where they fail.

mod harness;

mod indicators;

mod access;
mod attacks;
mod auth;
mod backup;
mod county_report;
mod crash;
mod crash_burst;
mod disk_full;
mod exports_words;
mod field_cli;
mod field_volunteer;
mod field_worker_day;
mod household_move;
mod js_interop;
mod limits;
mod multi_node;
mod outage;
mod people_admin;
mod projection;
mod protocol;
mod records;
mod refusal;
mod register_import;
mod restart;
mod review;
mod rust_clients;
mod storage_errors;
mod tls;
mod volunteer_activities;
mod volunteer_certificate;
mod volunteer_export;
mod volunteer_recognition;
mod volunteer_signup;
mod web;
mod web_activities;
mod web_certificates;
mod web_moved;
mod web_people;
mod web_registers;
mod web_screens;
mod web_search;
mod web_volunteer_journey;
mod web_volunteers;
mod web_worker_day;
