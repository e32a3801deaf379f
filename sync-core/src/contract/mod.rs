//! The data contract (schema 1): typed records, org paths and root validation.

pub mod employment;
pub mod fields;
pub mod follow_up;
mod lenient;
pub mod mirror;
pub mod org;
pub mod recognition;
pub mod records;
mod validate;

pub use org::{OrgPath, OrgPathError};
pub use records::*;
pub use validate::{
    read_string, root_is_empty, root_string, validate_root, ContractError, Kind, RootInfo,
};

#[cfg(test)]
mod tests;
