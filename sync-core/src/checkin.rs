//! Check-in codes: what an organiser's phone shows as a QR code at a volunteer activity, and
//! what the server credits from the two a volunteer scanned.
//!
//! A code names the activity, whether it checks in or out, and the minute the organiser's
//! phone made it, signed with the activity's own key (HMAC-SHA256, the first 16 bytes). The
//! organiser's phone holds the key, fetched while online, so it can show codes offline; the
//! volunteer's phone only keeps what it scanned, offline too, and hands it to the server later.
//! The minutes credited are the signed minutes' difference, within the activity's own time:
//! arriving early or leaving late is not service, and travel is never between the two scans.
//!
//! `LINLI-CI1.<activity>.<i|o>.<minute>.<signature>`: the minute counts from 1970-01-01 UTC;
//! the signature is base64url without padding over `<activity>.<i|o>.<minute>`. The web app
//! makes the same codes with Web Crypto (clients/web/src/checkin_code.ts).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What every code begins with (and its version).
pub const PREFIX: &str = "LINLI-CI1";
/// Bytes of the signature kept in a code.
const SIGNATURE_BYTES: usize = 16;
/// The longest code accepted, so that a forged one costs nothing to refuse.
pub const MAX_CODE_LEN: usize = 200;
/// How many minutes before its start and after its end an activity's codes are taken.
pub const GRACE_MINUTES: i64 = 120;
/// The most one activity credits (a day).
pub const MAX_CREDIT_MINUTES: i64 = 24 * 60;

/// Whether a code checks in or out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    In,
    Out,
}

impl Scan {
    fn letter(self) -> &'static str {
        match self {
            Scan::In => "i",
            Scan::Out => "o",
        }
    }
}

/// A code as read from a QR code (not yet verified).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub activity: String,
    pub scan: Scan,
    /// Minutes since 1970-01-01 UTC, by the organiser's phone.
    pub minute: i64,
    signature: Vec<u8>,
}

/// Why a code is not taken.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodeError {
    #[error("not a Linli check-in code")]
    NotACode,
    #[error("the code is for another activity")]
    OtherActivity,
    #[error("a check-in code where a check-out code belongs, or the other way round")]
    WrongScan,
    #[error("the code's signature does not match: it was not made by this activity's organiser")]
    BadSignature,
    #[error("the code was made outside the activity's time")]
    OutsideActivity,
    #[error("the check-out is not after the check-in")]
    OutBeforeIn,
}

fn message(activity: &str, scan: Scan, minute: i64) -> String {
    format!("{activity}.{}.{minute}", scan.letter())
}

fn mac(key: &[u8], activity: &str, scan: Scan, minute: i64) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message(activity, scan, minute).as_bytes());
    mac
}

/// The code the organiser's phone shows for `activity` at `minute`.
pub fn sign(key: &[u8], activity: &str, scan: Scan, minute: i64) -> String {
    let tag = mac(key, activity, scan, minute).finalize().into_bytes();
    format!(
        "{PREFIX}.{activity}.{}.{minute}.{}",
        scan.letter(),
        URL_SAFE_NO_PAD.encode(&tag[..SIGNATURE_BYTES])
    )
}

impl Code {
    /// Reads a scanned text; says nothing yet of whether it is genuine.
    pub fn parse(text: &str) -> Result<Code, CodeError> {
        let text = text.trim();
        if text.len() > MAX_CODE_LEN {
            return Err(CodeError::NotACode);
        }
        let mut parts = text.split('.');
        let (Some(PREFIX), Some(activity), Some(scan), Some(minute), Some(signature), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(CodeError::NotACode);
        };
        let scan = match scan {
            "i" => Scan::In,
            "o" => Scan::Out,
            _ => return Err(CodeError::NotACode),
        };
        let minute: i64 = minute.parse().map_err(|_| CodeError::NotACode)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| CodeError::NotACode)?;
        if activity.is_empty() || minute < 0 || signature.len() != SIGNATURE_BYTES {
            return Err(CodeError::NotACode);
        }
        Ok(Code {
            activity: activity.to_owned(),
            scan,
            minute,
            signature,
        })
    }

    /// Checks the signature with the activity's key (in constant time).
    pub fn verify(&self, key: &[u8]) -> Result<(), CodeError> {
        mac(key, &self.activity, self.scan, self.minute)
            .verify_truncated_left(&self.signature)
            .map_err(|_| CodeError::BadSignature)
    }
}

/// An activity's own time, in minutes since 1970-01-01 UTC.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub starts: i64,
    pub ends: i64,
}

/// The minutes to credit for a check-in and a check-out of `activity`, both verified with
/// `key`: the signed minutes' difference within the activity's time.
pub fn credit(
    key: &[u8],
    activity: &str,
    span: Span,
    check_in: &Code,
    check_out: &Code,
) -> Result<i64, CodeError> {
    for (code, scan) in [(check_in, Scan::In), (check_out, Scan::Out)] {
        if code.activity != activity {
            return Err(CodeError::OtherActivity);
        }
        if code.scan != scan {
            return Err(CodeError::WrongScan);
        }
        code.verify(key)?;
        if code.minute < span.starts - GRACE_MINUTES || code.minute > span.ends + GRACE_MINUTES {
            return Err(CodeError::OutsideActivity);
        }
    }
    if check_out.minute <= check_in.minute {
        return Err(CodeError::OutBeforeIn);
    }
    let from = check_in.minute.clamp(span.starts, span.ends);
    let to = check_out.minute.clamp(span.starts, span.ends);
    Ok((to - from).clamp(0, MAX_CREDIT_MINUTES))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const SPAN: Span = Span {
        starts: 29_000_000,
        ends: 29_000_120,
    };

    fn code(scan: Scan, minute: i64) -> Code {
        Code::parse(&sign(KEY, "act1", scan, minute)).unwrap()
    }

    #[test]
    fn a_signed_code_reads_back_and_verifies() {
        let text = sign(KEY, "act1", Scan::In, 29_000_005);
        assert!(text.starts_with("LINLI-CI1.act1.i.29000005."), "{text}");
        let c = Code::parse(&text).unwrap();
        assert_eq!(
            (c.activity.as_str(), c.scan, c.minute),
            ("act1", Scan::In, 29_000_005)
        );
        assert_eq!(c.verify(KEY), Ok(()));
        assert_eq!(c.verify(b"another key"), Err(CodeError::BadSignature));
    }

    #[test]
    fn a_changed_minute_or_scan_breaks_the_signature() {
        let text = sign(KEY, "act1", Scan::In, 29_000_005);
        let later = text.replace(".29000005.", ".29000065.");
        assert_eq!(
            Code::parse(&later).unwrap().verify(KEY),
            Err(CodeError::BadSignature)
        );
        let out = text.replace(".i.", ".o.");
        assert_eq!(
            Code::parse(&out).unwrap().verify(KEY),
            Err(CodeError::BadSignature)
        );
    }

    #[test]
    fn what_is_not_a_code_is_refused_plainly() {
        for text in [
            "",
            "hello",
            "LINLI-CI1.act1.x.5.AAAAAAAAAAAAAAAAAAAAAA",
            "LINLI-CI1.act1.i.-5.AAAAAAAAAAAAAAAAAAAAAA",
            "LINLI-CI1.act1.i.5.AAAA",
            "LINLI-CI1.act1.i.5.AAAAAAAAAAAAAAAAAAAAAA.extra",
            "OTHER.act1.i.5.AAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(Code::parse(text), Err(CodeError::NotACode), "{text}");
        }
        assert_eq!(Code::parse(&"x".repeat(5000)), Err(CodeError::NotACode));
    }

    #[test]
    fn credit_is_the_time_between_the_scans_within_the_activity() {
        let credit =
            |i, o| super::credit(KEY, "act1", SPAN, &code(Scan::In, i), &code(Scan::Out, o));
        assert_eq!(credit(29_000_010, 29_000_100), Ok(90));
        // Early arrival and late leaving are not counted.
        assert_eq!(credit(29_000_000 - 30, 29_000_120 + 45), Ok(120));
        assert_eq!(credit(29_000_100, 29_000_100), Err(CodeError::OutBeforeIn));
        assert_eq!(credit(29_000_100, 29_000_050), Err(CodeError::OutBeforeIn));
        assert_eq!(
            credit(29_000_000 - 500, 29_000_050),
            Err(CodeError::OutsideActivity)
        );
    }

    #[test]
    fn codes_of_another_activity_or_the_wrong_scan_credit_nothing() {
        let other = Code::parse(&sign(KEY, "act2", Scan::In, 29_000_010)).unwrap();
        let out = code(Scan::Out, 29_000_100);
        assert_eq!(
            credit(KEY, "act1", SPAN, &other, &out),
            Err(CodeError::OtherActivity)
        );
        let two_ins = code(Scan::In, 29_000_100);
        assert_eq!(
            credit(KEY, "act1", SPAN, &code(Scan::In, 29_000_010), &two_ins),
            Err(CodeError::WrongScan)
        );
        assert_eq!(
            credit(b"forger", "act1", SPAN, &code(Scan::In, 29_000_010), &out),
            Err(CodeError::BadSignature)
        );
    }
}
