//! sync-core's integration suite, one binary: codec fixtures captured from the real JavaScript
//! client, codec property tests, and the deterministic in-memory harness.

mod access_matrix;
mod assignees;
mod codec_fixtures;
mod codec_props;
mod doc_policy;
mod harness;
mod message_cost;
mod record_mirror;
mod server_edits;
mod two_writers;
