//! Linli's sans-IO core. Everything here is pure: events in, effects out; the clock and
//! randomness are passed in by the caller, and nothing touches the network or a disk.
//!
//! - [`wire`]: the automerge-repo protocol messages and their CBOR codec.
//! - [`document_id`]: document ids (bs58check, `automerge:` URLs, legacy UUIDs).
//! - [`calendar`]: ISO 8601 dates and timestamps from a time the caller passes in.
//! - [`contract`]: the schema-1 data contract: typed records and root validation.
//! - [`connection`]: a server connection's handshake and routing.
//! - [`doc_sync`]: a server document's sync with many peers, acknowledging only durable changes.
//! - [`client`]: a client's sync session over many documents.
//! - [`merge`]: merging two registrations of one household (members matched by identity).

pub mod access;
pub mod calendar;
pub mod checkin;
pub mod client;
pub mod conflicts;
pub mod connection;
pub mod contract;
pub mod doc_sync;
pub mod document_id;
pub mod merge;
pub mod message_cost;
pub mod review;
pub mod server_edit;
pub mod wire;

pub use automerge;
pub use autosurgeon;
pub use document_id::DocumentId;
