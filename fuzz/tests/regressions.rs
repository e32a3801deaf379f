//! Replays every input kept under `fuzz/regressions/<target>/` (each a crash or hang the
//! fuzzer once found, kept after the fix) and the real frames the corpora are seeded with.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in [
        root.join("regressions").join(target),
        root.join("../sync-core/tests/fixtures/js"),
    ] {
        for entry in std::fs::read_dir(&dir).expect("read inputs").flatten() {
            let path = entry.path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read input");
            run(&bytes);
            count += 1;
        }
    }
    count
}

#[test]
fn decode_message_inputs() {
    assert!(replay("decode_message", linli_fuzz::decode_message) > 0);
}

#[test]
fn document_id_inputs() {
    assert!(replay("document_id", linli_fuzz::document_id) > 0);
}

#[test]
fn ingest_inputs() {
    assert!(replay("ingest", linli_fuzz::ingest) > 0);
}
