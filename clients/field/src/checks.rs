//! Values checked on the device before they are written: the data contract's rules
//! (docs/data-contract.md, `linli_sync_core::contract::fields`) and the codes the apps offer.
//! Each error names the option and what it must be; the server checks the same again.

use linli_sync_core::calendar;
use linli_sync_core::contract::fields::{
    rule_for, Rule, DISABILITY_KINDS, EMPLOYMENT, EMPLOYMENT_STATUS, GENDERS, HOUSEHOLD_TAGS,
    REQUEST_CATEGORIES, VISIT_PURPOSES,
};
use linli_sync_core::contract::Kind;

use crate::FieldError;

/// The tag derived from the members' employment (零就业家庭): shown, never set.
pub const DERIVED_TAG: &str = "zero_employment";

fn invalid(message: String) -> FieldError {
    FieldError::Invalid(message)
}

/// The contract's rule for a household field (`path` as the data contract writes it, with
/// any id in place of `*`): the one place that says what a field may hold.
fn household_rule(path: &str) -> Rule {
    let segments: Vec<String> = path.split('/').map(str::to_owned).collect();
    rule_for(Kind::Household, &segments)
        .unwrap_or_else(|| panic!("the data contract has a rule for `{path}`"))
}

/// The codes of a list as an error shows them (`""` for the empty one).
fn listed(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| if v.is_empty() { "\"\"" } else { v })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `value` must be one of `allowed`.
pub(crate) fn one_of(what: &str, value: &str, allowed: &[&str]) -> Result<(), FieldError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} must be one of {} (not `{value}`)",
            listed(allowed)
        )))
    }
}

/// `value` must be a date `YYYY-MM-DD` (years 1900–2199).
pub(crate) fn date(what: &str, value: &str) -> Result<(), FieldError> {
    if calendar::is_date(value) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} must be a date YYYY-MM-DD (not `{value}`)"
        )))
    }
}

/// `value`, trimmed, must be at most `max` characters (and not empty when `required`).
pub(crate) fn text(
    what: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String, FieldError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(invalid(format!("{what} must not be empty")));
    }
    let n = value.chars().count();
    if n > max {
        return Err(invalid(format!(
            "{what} must be text of at most {max} characters (it has {n})"
        )));
    }
    Ok(value.to_owned())
}

/// A household tag a worker sets or clears: one of [`HOUSEHOLD_TAGS`], never the derived
/// `zero_employment`.
pub fn household_tag(what: &str, tag: &str) -> Result<(), FieldError> {
    if tag == DERIVED_TAG {
        return Err(invalid(format!(
            "{what}: `{DERIVED_TAG}` (零就业家庭) is derived from the members' employment and \
             cannot be set or cleared; record the members' employment instead"
        )));
    }
    one_of(what, tag, HOUSEHOLD_TAGS)
}

/// A visit's purpose and needs as the apps write them: a purpose from [`VISIT_PURPOSES`],
/// needs from the request categories. (The contract keeps older free text readable; the apps
/// write codes only.)
pub fn visit_codes(purpose: &str, needs: &[String]) -> Result<(), FieldError> {
    one_of("--purpose", purpose.trim(), VISIT_PURPOSES)?;
    for need in needs {
        request_category("--need", need.trim())?;
    }
    Ok(())
}

/// One of the request categories ([`REQUEST_CATEGORIES`]).
pub(crate) fn request_category(what: &str, category: &str) -> Result<(), FieldError> {
    let codes: Vec<&str> = REQUEST_CATEGORIES.iter().map(|(c, _)| *c).collect();
    one_of(what, category, &codes)
}

/// A member's gender as the apps write it.
pub(crate) fn gender(value: &str) -> Result<(), FieldError> {
    one_of("--gender", value, GENDERS)
}

/// A member's undated employment (empty: unknown).
pub(crate) fn employment(value: &str) -> Result<(), FieldError> {
    one_of("--employment", value, EMPLOYMENT)
}

/// A dated employment status (never empty).
pub(crate) fn employment_status(value: &str) -> Result<(), FieldError> {
    one_of("--status", value, EMPLOYMENT_STATUS)
}

/// A year of birth, 1900–2199.
pub(crate) fn birth_year(year: i64) -> Result<(), FieldError> {
    if household_rule("members/m/birth_year").accepts_number(year as f64) {
        Ok(())
    } else {
        Err(invalid(format!(
            "--birth-year must be a year from 1900 to 2199 (not {year})"
        )))
    }
}

/// The last characters of an ID card number: up to 4 digits or `X`.
pub(crate) fn id_tail(value: &str) -> Result<(), FieldError> {
    if household_rule("members/m/id_tail").accepts_text(value) {
        Ok(())
    } else {
        Err(invalid(
            "--id-tail must be the last characters of the ID card number: up to 4 digits or X \
             (never the whole number)"
                .into(),
        ))
    }
}

/// A phone number: at most 20 digits, spaces, `+ - ( )` and `*` (a masked digit).
pub(crate) fn phone(value: &str) -> Result<(), FieldError> {
    if household_rule("members/m/phone").accepts_text(value) {
        Ok(())
    } else {
        Err(invalid(format!(
            "--phone must be a phone number: digits, spaces, + - ( ) and * for a masked digit, \
             at most 20 (not `{value}`)"
        )))
    }
}

/// A disability's kind and grade (一级 to 四级).
pub(crate) fn disability(kind: Option<&str>, grade: Option<i64>) -> Result<(), FieldError> {
    if let Some(kind) = kind {
        one_of("--disability-kind", kind, DISABILITY_KINDS)?;
    }
    if let Some(grade) = grade {
        if !household_rule("members/m/disability/grade").accepts_number(grade as f64) {
            return Err(invalid(format!(
                "--disability-grade must be 1 to 4 (一级 to 四级, as the certificate states; not {grade})"
            )));
        }
    }
    Ok(())
}

/// Degrees of latitude (`axis` `lat`, up to 90) or longitude (`lon`, up to 180).
fn degrees(what: &str, value: f64, axis: &str) -> Result<(), FieldError> {
    let rule = household_rule(&format!("visits/0/location/{axis}"));
    if rule.accepts_number(value) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} must be {} (not {value})",
            rule.describe()
        )))
    }
}

/// Where a visit took place, from `--lat`, `--lon` and `--accuracy-m`: all or none of
/// latitude and longitude; the accuracy only with them.
pub fn visit_location(
    lat: Option<f64>,
    lon: Option<f64>,
    accuracy_m: Option<i64>,
) -> Result<Option<linli_sync_core::contract::Location>, FieldError> {
    let (lat, lon) = match (lat, lon) {
        (None, None) if accuracy_m.is_some() => {
            return Err(invalid(
                "--accuracy-m goes with a location: give --lat and --lon too".into(),
            ))
        }
        (None, None) => return Ok(None),
        (Some(lat), Some(lon)) => (lat, lon),
        _ => {
            return Err(invalid(
                "--lat and --lon go together: give both or neither".into(),
            ))
        }
    };
    degrees("--lat", lat, "lat")?;
    degrees("--lon", lon, "lon")?;
    if let Some(m) = accuracy_m {
        if !(0..=100_000).contains(&m) {
            return Err(invalid(format!(
                "--accuracy-m must be whole metres from 0 to 100000 (not {m})"
            )));
        }
    }
    Ok(Some(linli_sync_core::contract::Location {
        lat,
        lon,
        accuracy_m,
    }))
}

/// Today's date in `zone`.
pub fn today_in(zone: &str) -> String {
    let now = crate::local_store::now_ms();
    calendar::local_date_at(now, zone).unwrap_or_else(|| calendar::date_from_ms(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<impl std::fmt::Debug, FieldError>) -> String {
        r.expect_err("refused").to_string()
    }

    #[test]
    fn tags_must_be_codes_a_worker_sets() {
        assert!(household_tag("--set", "dibao").is_ok());
        assert!(household_tag("--set", "living_alone").is_ok());
        let unknown = message(household_tag("--set", "poor"));
        assert!(
            unknown.contains("--set must be one of dibao, tekun"),
            "{unknown}"
        );
        assert!(unknown.contains("`poor`"), "{unknown}");
        let derived = message(household_tag("--clear", "zero_employment"));
        assert!(derived.contains("derived"), "{derived}");
        assert!(derived.contains("--clear"), "{derived}");
    }

    #[test]
    fn visits_use_the_purpose_and_need_codes() {
        assert!(visit_codes("routine", &["elderly".into(), "medical".into()]).is_ok());
        let purpose = message(visit_codes("入户走访", &[]));
        assert!(
            purpose.contains("--purpose must be one of routine, follow_up, emergency, policy, mediation, care, other"),
            "{purpose}"
        );
        let need = message(visit_codes("care", &["助餐".into()]));
        assert!(
            need.contains("--need must be one of elderly, medical"),
            "{need}"
        );
    }

    #[test]
    fn a_location_is_latitude_and_longitude_together() {
        assert!(visit_location(None, None, None).unwrap().is_none());
        let at = visit_location(Some(31.2304), Some(121.4737), Some(20))
            .unwrap()
            .unwrap();
        assert_eq!(
            (at.lat, at.lon, at.accuracy_m),
            (31.2304, 121.4737, Some(20))
        );
        assert!(
            message(visit_location(Some(31.2), None, None)).contains("--lat and --lon go together")
        );
        assert!(message(visit_location(None, Some(121.4), None))
            .contains("--lat and --lon go together"));
        assert!(message(visit_location(None, None, Some(10))).contains("--accuracy-m"));
        assert!(message(visit_location(Some(91.0), Some(0.0), None))
            .contains("--lat must be degrees from -90 to 90"));
        assert!(message(visit_location(Some(0.0), Some(-180.5), None))
            .contains("--lon must be degrees from -180 to 180"));
        assert!(message(visit_location(Some(f64::NAN), Some(0.0), None)).contains("--lat"));
        assert!(message(visit_location(Some(0.0), Some(0.0), Some(-1))).contains("--accuracy-m"));
    }

    #[test]
    fn disability_kinds_and_grades() {
        assert!(disability(Some("physical"), Some(3)).is_ok());
        assert!(disability(Some("mental"), None).is_ok());
        assert!(message(disability(Some("limb"), None))
            .contains("--disability-kind must be one of visual"));
        assert!(message(disability(Some("visual"), Some(5)))
            .contains("--disability-grade must be 1 to 4"));
        assert!(message(disability(None, Some(0))).contains("--disability-grade"));
    }

    #[test]
    fn member_fields_follow_the_contract() {
        assert!(phone("139****1234").is_ok());
        assert!(message(phone("139#1234")).contains("--phone"));
        assert!(id_tail("123X").is_ok());
        assert!(message(id_tail("12345")).contains("--id-tail"));
        assert!(birth_year(2150).is_ok());
        assert!(message(birth_year(1899)).contains("--birth-year must be a year from 1900 to 2199"));
        assert!(employment("").is_ok() && employment("retired").is_ok());
        assert!(
            message(employment("jobless")).contains("--employment must be one of \"\", employed")
        );
        assert!(message(employment_status("")).contains("--status must be one of employed"));
        assert!(message(gender("M")).contains("--gender"));
        assert!(
            message(date("--since", "2026-13-01")).contains("--since must be a date YYYY-MM-DD")
        );
        assert!(message(text("--course", &"课".repeat(101), 100, true))
            .contains("at most 100 characters"));
        assert!(message(text("--course", "  ", 100, true)).contains("--course must not be empty"));
        assert!(message(request_category("--category", "就业"))
            .contains("--category must be one of elderly"));
    }
}
