//! Org paths: the codes of county → street → community → grid joined by `/`.

use std::fmt;

/// How deep an org path may go: county, street, community, grid.
pub const MAX_DEPTH: usize = 4;

/// A validated org path such as `c01/s02/m03/g04`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgPath(String);

/// Why a string is not an org path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgPathError {
    #[error("org path is empty")]
    Empty,
    #[error("org path has more than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("org path segment `{0}` must be 1-32 letters, digits, `-` or `_`")]
    BadSegment(String),
}

impl OrgPath {
    /// Parses and validates an org path.
    pub fn parse(s: &str) -> Result<Self, OrgPathError> {
        if s.is_empty() {
            return Err(OrgPathError::Empty);
        }
        let segments: Vec<&str> = s.split('/').collect();
        if segments.len() > MAX_DEPTH {
            return Err(OrgPathError::TooDeep);
        }
        for seg in &segments {
            let ok = !seg.is_empty()
                && seg.len() <= 32
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(OrgPathError::BadSegment(seg.chars().take(40).collect()));
            }
        }
        Ok(Self(s.to_owned()))
    }

    /// Number of levels (1 = county … 4 = grid).
    pub fn depth(&self) -> usize {
        self.0.split('/').count()
    }

    /// True when `other` is this unit or lies under it.
    pub fn contains(&self, other: &OrgPath) -> bool {
        other.0 == self.0
            || (other.0.len() > self.0.len()
                && other.0.starts_with(&self.0)
                && other.0.as_bytes()[self.0.len()] == b'/')
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_respects_segment_boundaries() {
        let street = OrgPath::parse("c01/s01").unwrap();
        assert!(street.contains(&OrgPath::parse("c01/s01").unwrap()));
        assert!(street.contains(&OrgPath::parse("c01/s01/m02/g3").unwrap()));
        assert!(!street.contains(&OrgPath::parse("c01/s011").unwrap()));
        assert!(!street.contains(&OrgPath::parse("c01").unwrap()));
    }

    #[test]
    fn rejects_malformed_paths() {
        assert_eq!(OrgPath::parse(""), Err(OrgPathError::Empty));
        assert_eq!(OrgPath::parse("a/b/c/d/e"), Err(OrgPathError::TooDeep));
        assert!(matches!(
            OrgPath::parse("a//b"),
            Err(OrgPathError::BadSegment(_))
        ));
        assert!(matches!(
            OrgPath::parse("a/b c"),
            Err(OrgPathError::BadSegment(_))
        ));
        assert_eq!(OrgPath::parse("c01/s01/m01/g01").unwrap().depth(), 4);
    }
}
