//! Serde helpers that read numbers the way JavaScript writes them (an integer may be a float).

use serde::{Deserialize, Deserializer};

/// Reads an integer that may have been stored as a whole float.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = f64_or_int(d)?;
    whole(n).ok_or_else(|| serde::de::Error::custom("expected a whole number"))
}

/// Like [`int`] for optional fields.
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Num>::deserialize(d)? {
        None => Ok(None),
        Some(n) => whole(n.0)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("expected a whole number")),
    }
}

/// Reads a map of integers, each of which may be a whole float; entries that are not whole
/// numbers are left out (a reader never fails on one stray value).
pub fn int_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, i64>, D::Error> {
    let raw = Option::<std::collections::BTreeMap<String, serde_json::Value>>::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| whole(v.as_f64()?).map(|n| (k, n)))
        .collect())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumRepr {
    Int(i64),
    Float(f64),
}

struct Num(f64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Num(match NumRepr::deserialize(d)? {
            NumRepr::Int(i) => i as f64,
            NumRepr::Float(f) => f,
        }))
    }
}

fn f64_or_int<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Num::deserialize(d)?.0)
}

fn whole(n: f64) -> Option<i64> {
    (n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15).then_some(n as i64)
}
