//! TEMPORARY STUB (helper-2 is writing the real generator; overwrite freely).
use linli_sync_core::automerge::Automerge;
use linli_sync_core::DocumentId;
#[derive(Clone, Debug, Default)]
pub struct DemoSize {}
pub struct DemoDocument { pub id: DocumentId, pub doc: Automerge }
pub fn generate(_seed: u64, _today: &str, _size: &DemoSize) -> Vec<DemoDocument> { Vec::new() }
