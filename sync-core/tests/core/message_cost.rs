//! Counting a sync message's operations before applying it (`message_cost`): the count is
//! exact for every chunk automerge makes (documents with compressed columns, changes plain and
//! compressed, both sync message versions, the stock JS client's captured frames), and what is
//! over the limit, a deflate bomb or an unknown chunk kind is refused without being loaded.

use std::path::PathBuf;

use linli_sync_core::automerge::sync::{self, SyncDoc};
use linli_sync_core::automerge::transaction::Transactable;
use linli_sync_core::automerge::{AutoCommit, Automerge, ObjType, ReadDoc, ROOT};
use linli_sync_core::message_cost::{count_ops, TooCostly, DEFAULT_MAX_OPS};
use linli_sync_core::wire::{self, Message};

/// A household-like document: fields, a text of `chars` varied characters (so automerge
/// compresses its columns), and `edits` later changes.
fn document(chars: usize, edits: usize) -> AutoCommit {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "kind", "household").unwrap();
    doc.put(ROOT, "schema", 1).unwrap();
    let address = doc.put_object(ROOT, "address", ObjType::Text).unwrap();
    let text: String = (0..chars)
        .map(|i| char::from_u32(0x4e00 + (i as u32 * 7919) % 20000).unwrap())
        .collect();
    doc.splice_text(&address, 0, 0, &text).unwrap();
    doc.commit();
    let members = doc.put_object(ROOT, "members", ObjType::Map).unwrap();
    for i in 0..edits {
        let m = doc
            .put_object(&members, format!("m{i}"), ObjType::Map)
            .unwrap();
        doc.put(&m, "name", format!("居民{i}")).unwrap();
        doc.put(&m, "birth_year", 1950 + i as i64).unwrap();
        doc.commit();
    }
    doc
}

fn ops(doc: &Automerge) -> u64 {
    doc.stats().num_ops
}

#[test]
fn a_saved_document_counts_as_its_operations() {
    for (chars, edits) in [(0, 0), (10, 1), (5_000, 20), (200_000, 3)] {
        let mut doc = document(chars, edits);
        let bytes = doc.save();
        let loaded = Automerge::load(&bytes).unwrap();
        assert_eq!(
            count_ops([bytes.as_slice()], u64::MAX),
            Ok(ops(&loaded)),
            "{chars} characters, {edits} edits"
        );
    }
}

#[test]
fn each_change_counts_as_its_operations() {
    let mut doc = document(50_000, 5);
    let doc = doc.document().clone();
    for change in doc.get_changes(&[]) {
        let mut change = change.clone();
        assert_eq!(
            count_ops([change.raw_bytes()], u64::MAX),
            Ok(change.len() as u64)
        );
        assert_eq!(
            count_ops([change.bytes().as_ref()], u64::MAX),
            Ok(change.len() as u64)
        );
    }
}

/// Syncs `from` into `to` the way peers do, checking each message's count against the
/// operations it added.
fn sync_counting(from: &Automerge, mut to: Automerge) {
    let mut from = from.clone();
    let mut checked = 0;
    let (mut from_state, mut to_state) = (sync::State::new(), sync::State::new());
    for _ in 0..10 {
        let out = from.generate_sync_message(&mut from_state);
        let back = to.generate_sync_message(&mut to_state);
        if out.is_none() && back.is_none() {
            break;
        }
        if let Some(message) = out {
            let message = sync::Message::decode(&message.encode()).unwrap();
            let counted = count_ops(message.changes.iter(), u64::MAX).unwrap();
            let before = ops(&to);
            to.receive_sync_message(&mut to_state, message).unwrap();
            // A message sent again before the answer came adds nothing the second time.
            let added = ops(&to) - before;
            if added > 0 {
                assert_eq!(counted, added);
                checked += 1;
            }
        }
        if let Some(message) = back {
            from.receive_sync_message(&mut from_state, message).unwrap();
        }
    }
    assert_eq!(to.get_heads(), from.get_heads());
    assert!(checked > 0, "a message carried the changes");
}

#[test]
fn sync_messages_count_as_the_operations_they_add() {
    let mut doc = document(30_000, 10);
    sync_counting(doc.document(), Automerge::new());
    // A peer that already has part of it gets changes, not the whole document.
    let mut later = doc.fork();
    let members = later.get(ROOT, "members").unwrap().unwrap().1;
    later.put(&members, "late", "新居民").unwrap();
    later.commit();
    sync_counting(later.document(), doc.document().clone());
}

#[test]
fn the_stock_clients_frames_count_as_they_apply() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/js");
    let mut counted_any = false;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        let Ok(Message::Sync(m) | Message::Request(m)) = wire::decode(&bytes) else {
            continue;
        };
        let Ok(message) = sync::Message::decode(&m.data) else {
            continue;
        };
        let counted = count_ops(message.changes.iter(), u64::MAX)
            .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
        let mut doc = Automerge::new();
        for chunk in message.changes.iter() {
            doc.load_incremental(chunk).unwrap();
        }
        assert_eq!(counted, ops(&doc), "{}", entry.path().display());
        counted_any |= counted > 0;
    }
    assert!(counted_any, "the fixtures carry changes");
}

#[test]
fn a_message_over_the_limit_is_refused_unloaded() {
    // One text field of 400,000 characters: a few hundred kilobytes saved.
    let bytes = document(400_000, 0).save();
    assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
    match count_ops([bytes.as_slice()], DEFAULT_MAX_OPS) {
        Err(TooCostly::Operations { ops, limit }) => {
            assert!(ops > DEFAULT_MAX_OPS);
            assert_eq!(limit, DEFAULT_MAX_OPS);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // At the limit it passes.
    let small = document(1_000, 0).save();
    let n = count_ops([small.as_slice()], u64::MAX).unwrap();
    assert_eq!(count_ops([small.as_slice()], n), Ok(n));
    assert!(count_ops([small.as_slice()], n - 1).is_err());
}

#[test]
fn bombs_broken_and_unknown_chunks_are_refused() {
    let change = {
        let mut doc = document(20_000, 0);
        let doc = doc.document().clone();
        doc.get_changes(&[])[0].clone()
    };
    // A compressed change whose body inflates far beyond the cap: header of a compressed
    // change chunk around 64 MiB of zeros, deflated.
    let zeros = vec![0u8; 64 * 1024 * 1024];
    let mut deflated = Vec::new();
    {
        use std::io::Write;
        let mut enc =
            flate2::write::DeflateEncoder::new(&mut deflated, flate2::Compression::best());
        enc.write_all(&zeros).unwrap();
        enc.finish().unwrap();
    }
    let mut bomb = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    leb(&mut bomb, deflated.len() as u64);
    bomb.extend_from_slice(&deflated);
    assert_eq!(
        count_ops([bomb.as_slice()], u64::MAX),
        Err(TooCostly::Inflated)
    );

    // Cut short, wrong magic, an unknown kind.
    let whole = change.raw_bytes().to_vec();
    let cut = &whole[..whole.len() / 2];
    assert_eq!(count_ops([cut], u64::MAX), Err(TooCostly::Malformed(0)));
    let mut wrong = whole.clone();
    wrong[0] ^= 0xff;
    assert_eq!(
        count_ops([whole.as_slice(), wrong.as_slice()], u64::MAX),
        Err(TooCostly::Malformed(1))
    );
    let mut bundle = whole.clone();
    bundle[8] = 3;
    assert_eq!(
        count_ops([bundle.as_slice()], u64::MAX),
        Err(TooCostly::Kind(0))
    );
}

fn leb(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
