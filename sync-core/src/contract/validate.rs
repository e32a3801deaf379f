//! Validation of a document root against the schema-1 contract: `kind`, `schema` and `org`.

use automerge::{ObjType, ReadDoc, ScalarValue, Value, ROOT};

use super::org::{OrgPath, OrgPathError};
use super::records::SCHEMA_VERSION;

/// The four kinds of record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Household,
    Volunteer,
    Request,
    Community,
}

impl Kind {
    /// The `kind` string stored in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Household => "household",
            Kind::Volunteer => "volunteer",
            Kind::Request => "request",
            Kind::Community => "community",
        }
    }

    /// Parses a `kind` string.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "household" => Kind::Household,
            "volunteer" => Kind::Volunteer,
            "request" => Kind::Request,
            "community" => Kind::Community,
            _ => return None,
        })
    }

    /// The org depths a record of this kind may be scoped to (households live in a grid,
    /// volunteers and communities in a community, requests in either).
    pub fn allowed_depths(self) -> &'static [usize] {
        match self {
            Kind::Household => &[4],
            Kind::Volunteer | Kind::Community => &[3],
            Kind::Request => &[3, 4],
        }
    }
}

/// What a valid root says about its document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootInfo {
    pub kind: Kind,
    pub org: OrgPath,
}

/// Why a root is not a valid schema-1 record. The text is shown to the peer that sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    #[error("root has no `kind`")]
    MissingKind,
    #[error("root `kind` must be household, volunteer, request or community")]
    UnknownKind,
    #[error("root `schema` must be {SCHEMA_VERSION}")]
    BadSchema,
    #[error("root has no `org`")]
    MissingOrg,
    #[error("root `org` is invalid: {0}")]
    BadOrg(OrgPathError),
    #[error("a {kind} must be scoped to an org path of depth {expected:?}, not {actual}")]
    OrgDepth {
        kind: &'static str,
        expected: &'static [usize],
        actual: usize,
    },
}

/// Reads a string at `ROOT[key]`, whether stored as a scalar or as a text object.
pub fn root_string<D: ReadDoc>(doc: &D, key: &str) -> Option<String> {
    read_string(doc, &ROOT, key)
}

/// Reads a string field of a map object, whether stored as a scalar or as a text object.
pub fn read_string<D: ReadDoc>(doc: &D, obj: &automerge::ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        (Value::Object(ObjType::Text), id) => doc.text(&id).ok(),
        _ => None,
    }
}

/// True when the root has no keys at all (a document whose first change is still to come).
pub fn root_is_empty<D: ReadDoc>(doc: &D) -> bool {
    doc.length(ROOT) == 0
}

/// Checks `kind`, `schema` and `org` of a document's root.
pub fn validate_root<D: ReadDoc>(doc: &D) -> Result<RootInfo, ContractError> {
    let kind_str = root_string(doc, "kind").ok_or(ContractError::MissingKind)?;
    let kind = Kind::parse(&kind_str).ok_or(ContractError::UnknownKind)?;
    let schema_ok = match doc.get(ROOT, "schema").ok().flatten() {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(i) => *i == SCHEMA_VERSION,
            ScalarValue::Uint(u) => *u == SCHEMA_VERSION as u64,
            ScalarValue::F64(f) => *f == SCHEMA_VERSION as f64,
            _ => false,
        },
        _ => false,
    };
    if !schema_ok {
        return Err(ContractError::BadSchema);
    }
    let org_str = root_string(doc, "org").ok_or(ContractError::MissingOrg)?;
    let org = OrgPath::parse(&org_str).map_err(ContractError::BadOrg)?;
    if !kind.allowed_depths().contains(&org.depth()) {
        return Err(ContractError::OrgDepth {
            kind: kind.as_str(),
            expected: kind.allowed_depths(),
            actual: org.depth(),
        });
    }
    Ok(RootInfo { kind, org })
}
