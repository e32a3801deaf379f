//! CBOR encoding of [`Message`]s, tolerant of what the JavaScript encoder (cbor-x) writes:
//! integers may arrive as float64 and absent values as CBOR `undefined` or `null`.

use std::collections::BTreeMap;

use ciborium::value::Value;

use super::{DocMessage, Message, PeerId, PeerMetadata, RemoteHeads};

/// Why a frame is not a valid protocol message. The text is safe to send back to the peer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("frame is not valid CBOR: {0}")]
    Cbor(String),
    #[error("frame has {0} bytes after the message")]
    TrailingBytes(usize),
    #[error("message is not a CBOR map with text keys")]
    NotAMap,
    #[error("message field `{0}` is missing")]
    Missing(&'static str),
    #[error("message field `{field}` should be {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    #[error("unknown message type `{0}`")]
    UnknownType(String),
}

/// Decodes one frame into a [`Message`].
pub fn decode(frame: &[u8]) -> Result<Message, DecodeError> {
    let mut rest = frame;
    let value: Value =
        ciborium::de::from_reader(&mut rest).map_err(|e| DecodeError::Cbor(short_error(&e)))?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    let fields = Fields::new(value)?;
    let sender_id = PeerId(fields.text("senderId")?);
    let kind = fields.text("type")?;
    let msg = match kind.as_str() {
        "join" => Message::Join {
            sender_id,
            peer_metadata: fields.metadata("peerMetadata")?,
            supported_protocol_versions: fields
                .text_list("supportedProtocolVersions")?
                .ok_or(DecodeError::Missing("supportedProtocolVersions"))?,
        },
        "peer" => Message::Peer {
            sender_id,
            peer_metadata: fields.metadata("peerMetadata")?,
            selected_protocol_version: fields.text("selectedProtocolVersion")?,
            target_id: PeerId(fields.text("targetId")?),
        },
        "error" => Message::Error {
            sender_id,
            message: fields.opt_text("message")?.unwrap_or_default(),
            target_id: PeerId(fields.opt_text("targetId")?.unwrap_or_default()),
        },
        "sync" | "request" => {
            let body = DocMessage {
                sender_id,
                target_id: PeerId(fields.text("targetId")?),
                document_id: fields.text("documentId")?,
                data: fields.bytes("data")?,
            };
            if kind == "sync" {
                Message::Sync(body)
            } else {
                Message::Request(body)
            }
        }
        "doc-unavailable" => Message::DocUnavailable {
            sender_id,
            target_id: PeerId(fields.text("targetId")?),
            document_id: fields.text("documentId")?,
        },
        "ephemeral" => Message::Ephemeral {
            sender_id,
            target_id: PeerId(fields.text("targetId")?),
            count: fields.uint("count")?,
            session_id: fields.text("sessionId")?,
            document_id: fields.text("documentId")?,
            data: fields.bytes("data")?,
        },
        "remote-subscription-change" => Message::RemoteSubscriptionChange {
            sender_id,
            target_id: PeerId(fields.text("targetId")?),
            add: fields.text_list("add")?.unwrap_or_default(),
            remove: fields.text_list("remove")?.unwrap_or_default(),
        },
        "remote-heads-changed" => Message::RemoteHeadsChanged {
            sender_id,
            target_id: PeerId(fields.text("targetId")?),
            document_id: fields.text("documentId")?,
            new_heads: fields.remote_heads("newHeads")?,
        },
        other => return Err(DecodeError::UnknownType(other.chars().take(64).collect())),
    };
    Ok(msg)
}

/// Encodes a [`Message`] as one CBOR map, as the JavaScript peers expect it.
pub fn encode(msg: &Message) -> Vec<u8> {
    let mut map: Vec<(Value, Value)> = vec![entry("type", text(msg.type_name()))];
    map.push(entry("senderId", text(msg.sender_id().as_str())));
    match msg {
        Message::Join {
            peer_metadata,
            supported_protocol_versions,
            ..
        } => {
            map.push(entry("peerMetadata", metadata_value(peer_metadata)));
            let versions = supported_protocol_versions
                .iter()
                .map(|v| text(v))
                .collect();
            map.push(entry("supportedProtocolVersions", Value::Array(versions)));
        }
        Message::Peer {
            peer_metadata,
            selected_protocol_version,
            target_id,
            ..
        } => {
            map.push(entry("peerMetadata", metadata_value(peer_metadata)));
            map.push(entry(
                "selectedProtocolVersion",
                text(selected_protocol_version),
            ));
            map.push(entry("targetId", text(target_id.as_str())));
        }
        Message::Error {
            message, target_id, ..
        } => {
            map.push(entry("message", text(message)));
            map.push(entry("targetId", text(target_id.as_str())));
        }
        Message::Sync(body) | Message::Request(body) => {
            map.push(entry("targetId", text(body.target_id.as_str())));
            map.push(entry("documentId", text(&body.document_id)));
            map.push(entry("data", Value::Bytes(body.data.clone())));
        }
        Message::DocUnavailable {
            target_id,
            document_id,
            ..
        } => {
            map.push(entry("targetId", text(target_id.as_str())));
            map.push(entry("documentId", text(document_id)));
        }
        Message::Ephemeral {
            target_id,
            count,
            session_id,
            document_id,
            data,
            ..
        } => {
            map.push(entry("targetId", text(target_id.as_str())));
            map.push(entry("count", Value::Integer((*count).into())));
            map.push(entry("sessionId", text(session_id)));
            map.push(entry("documentId", text(document_id)));
            map.push(entry("data", Value::Bytes(data.clone())));
        }
        Message::RemoteSubscriptionChange {
            target_id,
            add,
            remove,
            ..
        } => {
            map.push(entry("targetId", text(target_id.as_str())));
            map.push(entry(
                "add",
                Value::Array(add.iter().map(|s| text(s)).collect()),
            ));
            map.push(entry(
                "remove",
                Value::Array(remove.iter().map(|s| text(s)).collect()),
            ));
        }
        Message::RemoteHeadsChanged {
            target_id,
            document_id,
            new_heads,
            ..
        } => {
            map.push(entry("targetId", text(target_id.as_str())));
            map.push(entry("documentId", text(document_id)));
            let heads = new_heads
                .iter()
                .map(|(storage, h)| {
                    let inner = vec![
                        entry(
                            "heads",
                            Value::Array(h.heads.iter().map(|s| text(s)).collect()),
                        ),
                        entry("timestamp", number(h.timestamp)),
                    ];
                    (text(storage), Value::Map(inner))
                })
                .collect();
            map.push(entry("newHeads", Value::Map(heads)));
        }
    }
    let mut out = Vec::new();
    ciborium::ser::into_writer(&Value::Map(map), &mut out)
        .expect("writing CBOR into a Vec cannot fail");
    out
}

fn short_error<T: std::fmt::Debug>(e: &ciborium::de::Error<T>) -> String {
    let mut s = format!("{e:?}");
    s.truncate(120);
    s
}

fn entry(key: &str, value: Value) -> (Value, Value) {
    (text(key), value)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// Whole numbers are written as integers, like cbor-x does.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::Integer((n as i64).into())
    } else {
        Value::Float(n)
    }
}

fn metadata_value(m: &PeerMetadata) -> Value {
    let mut map = Vec::new();
    if let Some(id) = &m.storage_id {
        map.push(entry("storageId", text(id)));
    }
    if let Some(e) = m.is_ephemeral {
        map.push(entry("isEphemeral", Value::Bool(e)));
    }
    Value::Map(map)
}

/// The text-keyed fields of a CBOR map; `null`/`undefined` values count as absent.
struct Fields(Vec<(String, Value)>);

impl Fields {
    fn new(value: Value) -> Result<Self, DecodeError> {
        let Value::Map(entries) = value else {
            return Err(DecodeError::NotAMap);
        };
        let mut fields = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let Value::Text(k) = k else {
                return Err(DecodeError::NotAMap);
            };
            if !matches!(v, Value::Null) {
                fields.push((k, v));
            }
        }
        Ok(Self(fields))
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    fn opt_text(&self, name: &'static str) -> Result<Option<String>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Text(s)) => Ok(Some(s.clone())),
            Some(_) => Err(wrong(name, "text")),
        }
    }

    fn text(&self, name: &'static str) -> Result<String, DecodeError> {
        self.opt_text(name)?.ok_or(DecodeError::Missing(name))
    }

    fn bytes(&self, name: &'static str) -> Result<Vec<u8>, DecodeError> {
        match self.get(name) {
            None => Err(DecodeError::Missing(name)),
            Some(Value::Bytes(b)) => Ok(b.clone()),
            // A tagged typed array (cbor-x with tagUint8Array) still carries plain bytes.
            Some(Value::Tag(_, inner)) if matches!(**inner, Value::Bytes(_)) => match &**inner {
                Value::Bytes(b) => Ok(b.clone()),
                _ => unreachable!("checked by the guard"),
            },
            Some(_) => Err(wrong(name, "a byte string")),
        }
    }

    fn uint(&self, name: &'static str) -> Result<u64, DecodeError> {
        match self.get(name) {
            None => Err(DecodeError::Missing(name)),
            Some(v) => as_uint(v).ok_or(wrong(name, "a non-negative whole number")),
        }
    }

    fn text_list(&self, name: &'static str) -> Result<Option<Vec<String>>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::Text(s) => Ok(s.clone()),
                    _ => Err(wrong(name, "a list of text")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(wrong(name, "a list of text")),
        }
    }

    fn metadata(&self, name: &'static str) -> Result<PeerMetadata, DecodeError> {
        let Some(value) = self.get(name) else {
            return Ok(PeerMetadata::default());
        };
        let inner = Fields::new(value.clone()).map_err(|_| wrong(name, "a map"))?;
        Ok(PeerMetadata {
            storage_id: inner.opt_text("storageId")?,
            is_ephemeral: match inner.get("isEphemeral") {
                None => None,
                Some(Value::Bool(b)) => Some(*b),
                Some(_) => return Err(wrong("isEphemeral", "a boolean")),
            },
        })
    }

    fn remote_heads(
        &self,
        name: &'static str,
    ) -> Result<BTreeMap<String, RemoteHeads>, DecodeError> {
        let Some(value) = self.get(name) else {
            return Ok(BTreeMap::new());
        };
        let outer = Fields::new(value.clone()).map_err(|_| wrong(name, "a map"))?;
        let mut out = BTreeMap::new();
        for (storage, v) in outer.0 {
            let inner = Fields::new(v).map_err(|_| wrong(name, "a map of maps"))?;
            let heads = inner.text_list("heads")?.unwrap_or_default();
            let timestamp = match inner.get("timestamp") {
                None => 0.0,
                Some(Value::Float(f)) => *f,
                Some(v) => as_uint(v).ok_or(wrong("timestamp", "a number"))? as f64,
            };
            out.insert(storage, RemoteHeads { heads, timestamp });
        }
        Ok(out)
    }
}

fn as_uint(v: &Value) -> Option<u64> {
    match v {
        Value::Integer(i) => u64::try_from(*i).ok(),
        Value::Float(f) if f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19 => {
            Some(*f as u64)
        }
        _ => None,
    }
}

fn wrong(field: &'static str, expected: &'static str) -> DecodeError {
    DecodeError::WrongType { field, expected }
}
