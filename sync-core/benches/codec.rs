//! CBOR decode and encode of wire messages (`wire::decode`, `wire::encode`): a typical `sync`
//! (an automerge sync message carrying three visits made offline), a `join`, and a large `sync`
//! (about 1 MB of changes: a phone's big offline batch). Throughput is the frame's size.

// Each bench uses only some of the shared fixtures.
#[allow(dead_code)]
mod fixtures;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use linli_sync_core::wire::{self, DocMessage, Message, PeerId, PeerMetadata, PROTOCOL_V1};
use linli_sync_core::DocumentId;

fn sync_frame(data: Vec<u8>) -> Message {
    Message::Sync(DocMessage {
        sender_id: PeerId::from("phone-7f3a9c2e-51d4-4b8e-9f60-2c1d7e8a4b31"),
        target_id: PeerId::from("linli-server"),
        document_id: DocumentId::from_bytes([7; 16]).to_string(),
        data,
    })
}

fn messages() -> Vec<(&'static str, Message)> {
    let stored = fixtures::stored_household();
    let typical =
        fixtures::message_with_changes(&fixtures::with_offline_changes(&stored, 3), &stored);
    let empty = linli_sync_core::automerge::Automerge::new();
    let large = fixtures::message_with_changes(&fixtures::large_household(1 << 20), &empty);
    let join = Message::Join {
        sender_id: PeerId::from("phone-7f3a9c2e-51d4-4b8e-9f60-2c1d7e8a4b31"),
        peer_metadata: PeerMetadata {
            storage_id: Some("2b9c4e1a-6d3f-4a8b-9e7c-5f1d0a2b3c4d".into()),
            is_ephemeral: Some(false),
        },
        supported_protocol_versions: vec![PROTOCOL_V1.into()],
    };
    vec![
        ("sync_typical", sync_frame(typical)),
        ("join", join),
        ("sync_1mb", sync_frame(large)),
    ]
}

fn codec(c: &mut Criterion) {
    let messages = messages();
    let mut decode = c.benchmark_group("wire_decode");
    for (name, msg) in &messages {
        let frame = wire::encode(msg);
        assert_eq!(&wire::decode(&frame).expect("decodes"), msg);
        decode.throughput(Throughput::Bytes(frame.len() as u64));
        decode.bench_with_input(BenchmarkId::from_parameter(name), &frame, |b, frame| {
            b.iter(|| wire::decode(black_box(frame)).expect("decodes"))
        });
    }
    decode.finish();
    let mut encode = c.benchmark_group("wire_encode");
    for (name, msg) in &messages {
        encode.throughput(Throughput::Bytes(wire::encode(msg).len() as u64));
        encode.bench_with_input(BenchmarkId::from_parameter(name), msg, |b, msg| {
            b.iter(|| wire::encode(black_box(msg)))
        });
    }
    encode.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
