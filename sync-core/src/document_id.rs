//! Document ids as automerge-repo writes them: bs58check of 16 random bytes, optionally inside an
//! `automerge:` URL; legacy hex UUIDs are accepted and converted.

use std::fmt;
use std::str::FromStr;

/// The id of one automerge document: 16 bytes, shown as bs58check.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

/// Why a string is not a document id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentIdError {
    #[error("document id is not valid bs58check or a hex UUID")]
    Encoding,
    #[error("document id must be 16 bytes, got {0}")]
    Length(usize),
}

impl DocumentId {
    /// Wraps 16 raw bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The raw 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The `automerge:<id>` URL of this document.
    pub fn url(&self) -> String {
        format!("automerge:{self}")
    }

    /// Parses a bs58check id, an `automerge:` URL (ignoring any `#heads` suffix), or a legacy
    /// hex UUID (with or without dashes).
    pub fn parse(input: &str) -> Result<Self, DocumentIdError> {
        let s = input.strip_prefix("automerge:").unwrap_or(input);
        let s = s.split('#').next().unwrap_or(s);
        if let Some(id) = Self::parse_legacy_uuid(s) {
            return Ok(id);
        }
        let bytes = bs58::decode(s)
            .with_check(None)
            .into_vec()
            .map_err(|_| DocumentIdError::Encoding)?;
        let arr: [u8; 16] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| DocumentIdError::Length(bytes.len()))?;
        Ok(Self(arr))
    }

    fn parse_legacy_uuid(s: &str) -> Option<Self> {
        let compact: String = s.chars().filter(|c| *c != '-').collect();
        let dashed_ok = s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4;
        if compact.len() != 32 || !(dashed_ok || s.len() == 32) {
            return None;
        }
        let bytes = hex::decode(compact).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = DocumentIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_url_and_bare_forms_alike() {
        let id = DocumentId::from_bytes([7; 16]);
        let bare = id.to_string();
        assert_eq!(DocumentId::parse(&bare).unwrap(), id);
        assert_eq!(DocumentId::parse(&id.url()).unwrap(), id);
        assert_eq!(DocumentId::parse(&format!("{}#abc", id.url())).unwrap(), id);
    }

    #[test]
    fn parses_legacy_uuid() {
        let id = DocumentId::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8").unwrap();
        assert_eq!(id.as_bytes()[0], 0x6b);
        assert_eq!(
            DocumentId::parse("6ba7b8109dad11d180b400c04fd430c8").unwrap(),
            id
        );
    }

    #[test]
    fn rejects_bad_checksum_and_length() {
        let good = DocumentId::from_bytes([1; 16]).to_string();
        let mut bad = good.clone().into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'2' { b'3' } else { b'2' };
        assert!(DocumentId::parse(std::str::from_utf8(&bad).unwrap()).is_err());
        let short = bs58::encode([1u8; 8]).with_check().into_string();
        assert_eq!(DocumentId::parse(&short), Err(DocumentIdError::Length(8)));
        assert!(DocumentId::parse("").is_err());
        assert!(DocumentId::parse("not base58 0OIl").is_err());
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(bytes in any::<[u8; 16]>()) {
            let id = DocumentId::from_bytes(bytes);
            prop_assert_eq!(DocumentId::parse(&id.to_string()).unwrap(), id);
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,64}") {
            let _ = DocumentId::parse(&s);
        }
    }
}
