//! What a sync message will cost to apply, found before applying it.
//!
//! Automerge compresses well: a 52 KB message can carry four million operations (one text field
//! of four million characters), and loading it briefly takes some 100 bytes of memory per
//! operation, 400 MB for that one message. The frame limit cannot see this, so the operations
//! are counted from the message's chunks, without loading them: the rows of the `action`
//! column of each change or document chunk (automerge's binary format, "Storage format" in
//! the automerge documentation). Compressed data is inflated with a cap on its size, so a
//! deflate bomb costs no more than the cap.
//!
//! A message over the limit is refused whole; nothing of it is applied.

use std::io::Read;

use flate2::read::DeflateDecoder;

/// Operations one message may carry by default (some 25 MB while it is applied).
pub const DEFAULT_MAX_OPS: u64 = 250_000;

/// Bytes a compressed change or column may inflate to while it is counted.
const MAX_INFLATED: u64 = 16 * 1024 * 1024;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED_CHANGE: u8 = 2;

/// The `action` column: id 4, unsigned integers, run-length encoded.
const ACTION_COLUMN: u32 = (4 << 4) | 2;
const DEFLATE_BIT: u32 = 0b1000;

/// Why a message's cost could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TooCostly {
    #[error(
        "the message carries {ops} or more operations, more than the {limit} one message may carry; sync in smaller steps"
    )]
    Operations { ops: u64, limit: u64 },
    #[error("a compressed part of the message inflates to more than {MAX_INFLATED} bytes")]
    Inflated,
    #[error("change chunk {0} of the message is malformed")]
    Malformed(usize),
    #[error("chunk {0} of the message is of a kind this server does not accept")]
    Kind(usize),
}

/// Counts the operations in a sync message's chunks; refuses beyond `limit`.
pub fn count_ops<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
    limit: u64,
) -> Result<u64, TooCostly> {
    let mut total = 0u64;
    for (n, chunk) in chunks.into_iter().enumerate() {
        total = total.saturating_add(chunk_ops(chunk, n)?);
        if total > limit {
            return Err(TooCostly::Operations { ops: total, limit });
        }
    }
    Ok(total)
}

/// Why counting one chunk failed.
enum Fail {
    Malformed,
    Inflated,
}

fn chunk_ops(chunk: &[u8], n: usize) -> Result<u64, TooCostly> {
    let mut r = Reader(chunk);
    let header = (|| {
        if r.take(4)? != MAGIC {
            return None;
        }
        r.take(4)?; // checksum
        let kind = r.take(1)?[0];
        let len = usize::try_from(r.uleb()?).ok()?;
        Some((kind, r.take(len)?))
    })();
    let Some((kind, body)) = header else {
        return Err(TooCostly::Malformed(n));
    };
    let counted = match kind {
        DOCUMENT => document_ops(body),
        CHANGE => change_ops(body),
        COMPRESSED_CHANGE => inflate(body).and_then(|inflated| change_ops(&inflated)),
        _ => return Err(TooCostly::Kind(n)),
    };
    counted.map_err(|fail| match fail {
        Fail::Malformed => TooCostly::Malformed(n),
        Fail::Inflated => TooCostly::Inflated,
    })
}

/// A change's body: its header, then its op columns.
fn change_ops(body: &[u8]) -> Result<u64, Fail> {
    let mut r = Reader(body);
    let columns = (|| {
        let deps = r.uleb()?;
        r.take(usize::try_from(deps).ok()?.checked_mul(32)?)?;
        r.bytes()?; // actor
        r.uleb()?; // seq
        r.uleb()?; // start op
        r.sleb()?; // time
        r.bytes()?; // message
        for _ in 0..r.uleb()? {
            r.bytes()?; // other actors
        }
        r.columns()
    })()
    .ok_or(Fail::Malformed)?;
    action_rows(&columns, r.0)
}

/// A document's body: actors, heads, change columns, op columns, change data, op data.
fn document_ops(body: &[u8]) -> Result<u64, Fail> {
    let mut r = Reader(body);
    let op_columns = (|| {
        for _ in 0..r.uleb()? {
            r.bytes()?; // actors
        }
        let heads = r.uleb()?;
        r.take(usize::try_from(heads).ok()?.checked_mul(32)?)?;
        let change_columns = r.columns()?;
        let op_columns = r.columns()?;
        let change_data = change_columns
            .iter()
            .try_fold(0u64, |sum, (_, len)| sum.checked_add(*len))?;
        r.take(usize::try_from(change_data).ok()?)?;
        Some(op_columns)
    })()
    .ok_or(Fail::Malformed)?;
    action_rows(&op_columns, r.0)
}

/// The rows of the action column among `columns`, whose data starts at `data`.
fn action_rows(columns: &[(u32, u64)], data: &[u8]) -> Result<u64, Fail> {
    let mut offset = 0usize;
    for &(spec, len) in columns {
        let len = usize::try_from(len).map_err(|_| Fail::Malformed)?;
        let end = offset.checked_add(len).ok_or(Fail::Malformed)?;
        if spec & !DEFLATE_BIT == ACTION_COLUMN {
            let column = data.get(offset..end).ok_or(Fail::Malformed)?;
            let rows = if spec & DEFLATE_BIT != 0 {
                rle_rows(&inflate(column)?)
            } else {
                rle_rows(column)
            };
            return rows.ok_or(Fail::Malformed);
        }
        offset = end;
    }
    Ok(0)
}

/// Rows of a run-length encoded column of unsigned integers: runs of one repeated value
/// (positive count), literal runs (negative count) and null runs (zero, then their length).
fn rle_rows(column: &[u8]) -> Option<u64> {
    let mut r = Reader(column);
    let mut rows = 0u64;
    while !r.0.is_empty() {
        let count = r.sleb()?;
        if count > 0 {
            r.uleb()?;
            rows = rows.checked_add(count.unsigned_abs())?;
        } else if count < 0 {
            for _ in 0..count.unsigned_abs() {
                r.uleb()?;
            }
            rows = rows.checked_add(count.unsigned_abs())?;
        } else {
            rows = rows.checked_add(r.uleb()?)?;
        }
    }
    Some(rows)
}

/// Inflates raw deflate data, refusing output beyond [`MAX_INFLATED`].
fn inflate(data: &[u8]) -> Result<Vec<u8>, Fail> {
    let mut out = Vec::new();
    DeflateDecoder::new(data)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|_| Fail::Malformed)?;
    if out.len() as u64 > MAX_INFLATED {
        return Err(Fail::Inflated);
    }
    Ok(out)
}

/// A cursor over bytes with automerge's primitive encodings.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn uleb(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            value |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn sleb(&mut self) -> Option<i64> {
        let mut value = 0i64;
        let mut shift = 0u32;
        loop {
            let byte = self.take(1)?[0];
            if shift >= 64 {
                return None;
            }
            value |= i64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Some(value);
            }
        }
    }

    /// Length-prefixed bytes.
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.uleb()?).ok()?;
        self.take(len)
    }

    /// Column metadata: a count, then each column's spec and data length.
    fn columns(&mut self) -> Option<Vec<(u32, u64)>> {
        let count = self.uleb()?;
        let mut columns = Vec::new();
        for _ in 0..count {
            let spec = u32::try_from(self.uleb()?).ok()?;
            columns.push((spec, self.uleb()?));
        }
        Some(columns)
    }
}
