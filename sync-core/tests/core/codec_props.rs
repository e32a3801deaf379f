//! Property tests: every message survives encode → decode, and arbitrary bytes never panic.

use std::collections::BTreeMap;

use linli_sync_core::wire::{self, DocMessage, Message, PeerId, PeerMetadata, RemoteHeads};
use proptest::prelude::*;

fn peer() -> impl Strategy<Value = PeerId> {
    "[a-zA-Z0-9-]{1,24}".prop_map(PeerId)
}

fn metadata() -> impl Strategy<Value = PeerMetadata> {
    (
        proptest::option::of("[a-z0-9-]{1,20}"),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(storage_id, is_ephemeral)| PeerMetadata {
            storage_id,
            is_ephemeral,
        })
}

fn doc_message() -> impl Strategy<Value = DocMessage> {
    (
        peer(),
        peer(),
        "[1-9A-HJ-NP-Za-km-z]{20,30}",
        proptest::collection::vec(any::<u8>(), 1..200),
    )
        .prop_map(|(sender_id, target_id, document_id, data)| DocMessage {
            sender_id,
            target_id,
            document_id,
            data,
        })
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (
            peer(),
            metadata(),
            proptest::collection::vec("[0-9]{1,2}", 0..3)
        )
            .prop_map(|(sender_id, peer_metadata, supported_protocol_versions)| {
                Message::Join {
                    sender_id,
                    peer_metadata,
                    supported_protocol_versions,
                }
            }),
        (peer(), metadata(), peer()).prop_map(|(sender_id, peer_metadata, target_id)| {
            Message::Peer {
                sender_id,
                peer_metadata,
                selected_protocol_version: "1".into(),
                target_id,
            }
        }),
        (peer(), ".{0,40}", peer()).prop_map(|(sender_id, message, target_id)| Message::Error {
            sender_id,
            message,
            target_id,
        }),
        doc_message().prop_map(Message::Sync),
        doc_message().prop_map(Message::Request),
        (peer(), peer(), "[a-z]{1,30}").prop_map(|(sender_id, target_id, document_id)| {
            Message::DocUnavailable {
                sender_id,
                target_id,
                document_id,
            }
        }),
        (doc_message(), any::<u32>(), "[a-z0-9]{1,16}").prop_map(|(m, count, session_id)| {
            Message::Ephemeral {
                sender_id: m.sender_id,
                target_id: m.target_id,
                count: count as u64,
                session_id,
                document_id: m.document_id,
                data: m.data,
            }
        }),
        (
            peer(),
            peer(),
            proptest::collection::vec("[a-z]{1,8}", 0..3),
            proptest::collection::vec("[a-z]{1,8}", 0..3)
        )
            .prop_map(|(sender_id, target_id, add, remove)| {
                Message::RemoteSubscriptionChange {
                    sender_id,
                    target_id,
                    add,
                    remove,
                }
            }),
        (
            peer(),
            peer(),
            "[a-z]{1,30}",
            proptest::collection::btree_map(
                "[a-z]{1,8}",
                (
                    proptest::collection::vec("[a-z0-9]{4}", 0..3),
                    0u32..2_000_000_000u32
                ),
                0..3
            )
        )
            .prop_map(|(sender_id, target_id, document_id, heads)| {
                Message::RemoteHeadsChanged {
                    sender_id,
                    target_id,
                    document_id,
                    new_heads: heads
                        .into_iter()
                        .map(|(k, (heads, ts))| {
                            (
                                k,
                                RemoteHeads {
                                    heads,
                                    timestamp: ts as f64,
                                },
                            )
                        })
                        .collect::<BTreeMap<_, _>>(),
                }
            }),
    ]
}

proptest! {
    #[test]
    fn every_message_round_trips(msg in message()) {
        let bytes = wire::encode(&msg);
        prop_assert_eq!(wire::decode(&bytes).unwrap(), msg);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = wire::decode(&bytes);
    }

    #[test]
    fn truncated_frames_are_errors_not_panics(msg in message(), cut in 0usize..64) {
        let bytes = wire::encode(&msg);
        let end = bytes.len().saturating_sub(cut + 1);
        prop_assert!(wire::decode(&bytes[..end]).is_err());
    }
}

#[test]
fn float_counts_and_undefined_fields_are_accepted() {
    use ciborium::value::Value;
    let map = Value::Map(vec![
        (Value::Text("type".into()), Value::Text("ephemeral".into())),
        (Value::Text("senderId".into()), Value::Text("a".into())),
        (Value::Text("targetId".into()), Value::Text("b".into())),
        (Value::Text("count".into()), Value::Float(7.0)),
        (Value::Text("sessionId".into()), Value::Text("s".into())),
        (Value::Text("documentId".into()), Value::Text("d".into())),
        (Value::Text("data".into()), Value::Bytes(vec![1, 2])),
        (Value::Text("extra".into()), Value::Null),
    ]);
    let mut bytes = Vec::new();
    ciborium::ser::into_writer(&map, &mut bytes).unwrap();
    let Message::Ephemeral { count, .. } = wire::decode(&bytes).unwrap() else {
        panic!("not ephemeral")
    };
    assert_eq!(count, 7);
    // CBOR `undefined` (0xf7) for an optional field, as cbor-x writes it.
    let join = [
        0xa4, 0x64, b't', b'y', b'p', b'e', 0x64, b'j', b'o', b'i', b'n', 0x68, b's', b'e', b'n',
        b'd', b'e', b'r', b'I', b'd', 0x61, b'p', 0x6c, b'p', b'e', b'e', b'r', b'M', b'e', b't',
        b'a', b'd', b'a', b't', b'a', 0xa1, 0x69, b's', b't', b'o', b'r', b'a', b'g', b'e', b'I',
        b'd', 0xf7, 0x78, 0x19, b's', b'u', b'p', b'p', b'o', b'r', b't', b'e', b'd', b'P', b'r',
        b'o', b't', b'o', b'c', b'o', b'l', b'V', b'e', b'r', b's', b'i', b'o', b'n', b's', 0x81,
        0x61, b'1',
    ];
    let Message::Join { peer_metadata, .. } = wire::decode(&join).unwrap() else {
        panic!("not join")
    };
    assert_eq!(peer_metadata.storage_id, None);
}

#[test]
fn wrong_field_types_are_named() {
    use ciborium::value::Value;
    let map = Value::Map(vec![
        (Value::Text("type".into()), Value::Text("sync".into())),
        (Value::Text("senderId".into()), Value::Text("a".into())),
        (Value::Text("targetId".into()), Value::Text("b".into())),
        (Value::Text("documentId".into()), Value::Text("d".into())),
        (Value::Text("data".into()), Value::Text("not bytes".into())),
    ]);
    let mut bytes = Vec::new();
    ciborium::ser::into_writer(&map, &mut bytes).unwrap();
    let err = wire::decode(&bytes).unwrap_err();
    assert_eq!(
        err,
        wire::DecodeError::WrongType {
            field: "data",
            expected: "a byte string"
        }
    );
    assert_eq!(
        wire::decode(&[0x01]).unwrap_err(),
        wire::DecodeError::NotAMap
    );
}
