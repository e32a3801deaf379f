//! What a resident's sign-up as a volunteer must hold, checked (issue #20): the ID document
//! the national rules on volunteer records ask for, with the resident ID card's check digit
//! (GB 11643-1999), the skills and times offered; and how an ID number is shown to those who
//! may not read it whole.

use serde::{Deserialize, Serialize};

/// The kinds of ID document a volunteer registers with (the national volunteer system's
/// list): resident ID card, the permits of Hong Kong and Macao and of Taiwan residents, a
/// passport, a foreigner's permanent residence card.
pub const ID_TYPES: &[&str] = &[
    "resident_id",
    "hk_macao_permit",
    "taiwan_permit",
    "passport",
    "foreign_permanent",
];

/// When a volunteer can serve.
pub const AVAILABILITY: &[&str] = &["weekday", "weekend", "evening", "any"];

/// A resident's sign-up as sent from the app.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SignUp {
    /// The community (`c01/s01/m01`) whose volunteer they become.
    pub community: String,
    pub name: String,
    pub phone: String,
    /// One of [`ID_TYPES`].
    pub id_type: String,
    pub id_number: String,
    #[serde(default)]
    pub skills: Vec<String>,
    /// Some of [`AVAILABILITY`].
    #[serde(default)]
    pub availability: Vec<String>,
    /// The resident agreed that their service is recorded and their data kept for it.
    pub consent: bool,
    /// The login they will use once approved, and its password (at least 8 characters).
    pub login: String,
    pub password: String,
}

/// A sign-up whose fields are checked and tidied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedSignUp {
    pub community: String,
    pub name: String,
    pub phone: String,
    pub id_type: String,
    pub id_number: String,
    pub skills: Vec<String>,
    pub availability: Vec<String>,
    pub login: String,
}

/// Checks `s`; the error says what is wrong, field first (`id_number: …`).
pub fn check(s: &SignUp) -> Result<CheckedSignUp, String> {
    let community = linli_sync_core::contract::OrgPath::parse(s.community.trim())
        .map_err(|e| format!("community: {e}"))?;
    if community.depth() != 3 {
        return Err("community: choose a community".into());
    }
    let name = s.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err("name: give your name (at most 50 characters)".into());
    }
    let phone: String = s
        .phone
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if !(phone.len() >= 7 && phone.len() <= 15 && phone.chars().all(|c| c.is_ascii_digit())) {
        return Err("phone: give a phone number (digits)".into());
    }
    if !ID_TYPES.contains(&s.id_type.as_str()) {
        return Err("id_type: choose the kind of ID document".into());
    }
    let id_number = check_id_number(&s.id_type, &s.id_number)?;
    let skills: Vec<String> = s
        .skills
        .iter()
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .collect();
    if skills.len() > 10 || skills.iter().any(|k| k.chars().count() > 20) {
        return Err("skills: at most 10, of at most 20 characters each".into());
    }
    if let Some(bad) = s
        .availability
        .iter()
        .find(|a| !AVAILABILITY.contains(&a.as_str()))
    {
        return Err(format!("availability: {bad:?} is not a time offered"));
    }
    if !s.consent {
        return Err("consent: agree that your service is recorded".into());
    }
    let login = s.login.trim();
    if login.is_empty()
        || login.chars().count() > 50
        || login
            .chars()
            .any(|c| c.is_whitespace() || c == '/' || c == ':')
    {
        return Err("login: choose a login name without spaces (at most 50 characters)".into());
    }
    if s.password.chars().count() < 8 {
        return Err("password: at least 8 characters".into());
    }
    Ok(CheckedSignUp {
        community: community.to_string(),
        name: name.to_owned(),
        phone,
        id_type: s.id_type.clone(),
        id_number,
        skills,
        availability: s.availability.clone(),
        login: login.to_owned(),
    })
}

/// The ID number tidied (no spaces, upper case), or why it cannot be one: a resident ID card
/// number is 17 digits, a check character, and a real birth date; other documents are 5–20
/// letters and digits.
pub fn check_id_number(id_type: &str, number: &str) -> Result<String, String> {
    let n: String = number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if id_type == "resident_id" {
        let b = n.as_bytes();
        let digits_ok = b.len() == 18
            && b[..17].iter().all(u8::is_ascii_digit)
            && (b[17].is_ascii_digit() || b[17] == b'X');
        if !digits_ok {
            return Err("id_number: a resident ID card number has 18 characters".into());
        }
        if id_check_char(&n[..17]) != Some(char::from(b[17])) {
            return Err(
                "id_number: this ID card number is mistyped (its check digit does not match)"
                    .into(),
            );
        }
        let birth = format!("{}-{}-{}", &n[6..10], &n[10..12], &n[12..14]);
        if !linli_sync_core::calendar::is_date(&birth) {
            return Err("id_number: this ID card number holds no real birth date".into());
        }
        return Ok(n);
    }
    if (5..=20).contains(&n.len()) && n.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(n)
    } else {
        Err("id_number: 5 to 20 letters and digits".into())
    }
}

/// The check character (GB 11643-1999) of a resident ID card number's first 17 digits;
/// `None` when they are not 17 digits.
pub fn id_check_char(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(char::from(CHECK[(sum % 11) as usize]))
}

/// An ID number as shown to those who may not read it whole: its first three and last two
/// characters (`110***********12`), enough to tell two people apart at a glance.
pub fn mask_id(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 5 {
        return "*".repeat(chars.len());
    }
    let (head, tail) = (3, 2);
    chars[..head]
        .iter()
        .chain(std::iter::repeat_n(&'*', chars.len() - head - tail))
        .chain(&chars[chars.len() - tail..])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample number of GB 11643-1999's appendix (check character X).
    const SAMPLE: &str = "11010519491231002X";

    #[test]
    fn resident_id_numbers_are_checked_by_their_check_digit_and_birth_date() {
        assert_eq!(
            check_id_number("resident_id", "110105 19491231 002x"),
            Ok(SAMPLE.into())
        );
        assert!(
            check_id_number("resident_id", "110105194912310021").is_err(),
            "wrong check digit"
        );
        assert!(
            check_id_number("resident_id", "11010519491231002").is_err(),
            "17 characters"
        );
        // A number whose check digit fits but whose birth date does not exist (2 Feb 30).
        let body = "11010519490230002";
        let n = format!("{body}{}", id_check_char(body).unwrap());
        assert!(check_id_number("resident_id", &n)
            .unwrap_err()
            .contains("birth"));
        assert_eq!(
            check_id_number("passport", "e1234 5678"),
            Ok("E12345678".into())
        );
        assert!(check_id_number("passport", "E1").is_err());
    }

    #[test]
    fn masked_numbers_keep_only_their_ends() {
        assert_eq!(mask_id(SAMPLE), "110*************2X");
        assert_eq!(mask_id(SAMPLE).len(), SAMPLE.len());
        assert_eq!(mask_id("E1234"), "*****");
    }

    #[test]
    fn a_sign_up_needs_consent_a_community_and_a_password() {
        let ok = SignUp {
            community: "c01/s01/m01".into(),
            name: "李秀兰".into(),
            phone: "138 0013 8000".into(),
            id_type: "resident_id".into(),
            id_number: SAMPLE.into(),
            skills: vec!["助老".into(), " ".into()],
            availability: vec!["weekend".into()],
            consent: true,
            login: "lixiulan".into(),
            password: "long-enough".into(),
        };
        let checked = check(&ok).unwrap();
        assert_eq!(checked.phone, "13800138000");
        assert_eq!(checked.skills, ["助老"]);
        for (what, bad) in [
            (
                "consent",
                SignUp {
                    consent: false,
                    ..ok.clone()
                },
            ),
            (
                "community",
                SignUp {
                    community: "c01/s01/m01/g01".into(),
                    ..ok.clone()
                },
            ),
            (
                "password",
                SignUp {
                    password: "short".into(),
                    ..ok.clone()
                },
            ),
            (
                "availability",
                SignUp {
                    availability: vec!["never".into()],
                    ..ok.clone()
                },
            ),
            (
                "login",
                SignUp {
                    login: "li xiu".into(),
                    ..ok.clone()
                },
            ),
        ] {
            assert!(check(&bad).unwrap_err().starts_with(what), "{what}");
        }
    }
}
