//! BER-TLV as the card writes it (ISO/IEC 7816-4 / 8825-1): the one TLV parser of the SDK.
//! Tags of one to three bytes; lengths in short form or `81`/`82`/`83` long form (the card
//! writes `82 HH LL` even below 256, see docs/card-notes.md); every length is checked against
//! the input so a hostile card cannot make the parser read past its buffer or panic.

use crate::error::CardError;
use crate::error::Error;

/// One TLV: its tag as written (e.g. `0xFF20`, `0xDF22`, `0x5F4E`, `0x64`), its value, and
/// where it sits in the parsed buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag, its bytes read as a big-endian number.
    pub tag: u32,
    /// The value bytes.
    pub value: &'a [u8],
    /// Offset of the tag's first byte in the buffer given to the parser.
    pub start: usize,
    /// Offset just past the value.
    pub end: usize,
}

const BAD: Error = Error::Card(CardError::MalformedResponse { what: "bad TLV" });

/// Reads one TLV at `offset` of `buf`.
pub fn read_at(buf: &[u8], offset: usize) -> Result<Tlv<'_>, Error> {
    let mut i = offset;
    let mut next = || -> Result<u8, Error> {
        let b = *buf.get(i).ok_or(BAD)?;
        i += 1;
        Ok(b)
    };
    let first = next()?;
    let mut tag = u32::from(first);
    if first & 0x1F == 0x1F {
        // Subsequent tag bytes while bit 8 is set; at most 3 bytes in all.
        for n in 0..2 {
            let b = next()?;
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 {
                break;
            }
            if n == 1 {
                return Err(BAD);
            }
        }
    }
    let l0 = next()?;
    let len = match l0 {
        0..=0x7F => usize::from(l0),
        0x81 => usize::from(next()?),
        0x82 => (usize::from(next()?) << 8) | usize::from(next()?),
        0x83 => (usize::from(next()?) << 16) | (usize::from(next()?) << 8) | usize::from(next()?),
        _ => return Err(BAD),
    };
    let end = i.checked_add(len).ok_or(BAD)?;
    let value = buf
        .get(i..end)
        .ok_or(Error::Card(CardError::MalformedResponse {
            what: "TLV longer than the data",
        }))?;
    Ok(Tlv {
        tag,
        value,
        start: offset,
        end,
    })
}

/// Iterates over consecutive TLVs filling `buf` (a constructed value). Stops at the first
/// error, which it yields.
pub fn iter(buf: &[u8]) -> impl Iterator<Item = Result<Tlv<'_>, Error>> {
    let mut pos = 0usize;
    let mut failed = false;
    core::iter::from_fn(move || {
        if failed || pos >= buf.len() {
            return None;
        }
        let r = read_at(buf, pos);
        match &r {
            Ok(t) => pos = t.end,
            Err(_) => failed = true,
        }
        Some(r)
    })
}

/// Finds the first TLV with `tag` among the consecutive TLVs of `buf`.
pub fn find(buf: &[u8], tag: u32) -> Result<Option<Tlv<'_>>, Error> {
    for t in iter(buf) {
        let t = t?;
        if t.tag == tag {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// Like [`find`] but a missing tag is `MALFORMED_RESPONSE { what }`.
pub fn require<'a>(buf: &'a [u8], tag: u32, what: &'static str) -> Result<Tlv<'a>, Error> {
    find(buf, tag)?.ok_or(Error::Card(CardError::MalformedResponse { what }))
}

/// Total encoded length (header + value) of the TLV at the start of `buf`, from its header alone.
/// Used to trim a file read whole to the object it holds (EFs can be larger than their object).
pub fn encoded_len(header: &[u8]) -> Option<usize> {
    let mut i = 0usize;
    let first = *header.first()?;
    i += 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *header.get(i)?;
            i += 1;
            if b & 0x80 == 0 || i > 3 {
                break;
            }
        }
    }
    let l0 = *header.get(i)?;
    i += 1;
    let (len, extra) = match l0 {
        0..=0x7F => (usize::from(l0), 0),
        0x81 => (usize::from(*header.get(i)?), 1),
        0x82 => (
            (usize::from(*header.get(i)?) << 8) | usize::from(*header.get(i + 1)?),
            2,
        ),
        0x83 => (
            (usize::from(*header.get(i)?) << 16)
                | (usize::from(*header.get(i + 1)?) << 8)
                | usize::from(*header.get(i + 2)?),
            3,
        ),
        _ => return None,
    };
    Some(i + extra + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_four_info_header() {
        // card-evidence §4: FF 20 65 DF 21 08 ...
        let mut buf = vec![0xFF, 0x20, 0x05, 0xDF, 0x21, 0x02, 0x00, 0x0E];
        let t = read_at(&buf, 0).unwrap();
        assert_eq!(t.tag, 0xFF20);
        assert_eq!(t.value.len(), 5);
        let inner = read_at(t.value, 0).unwrap();
        assert_eq!(inner.tag, 0xDF21);
        assert_eq!(inner.value, &[0x00, 0x0E]);
        buf.pop();
        assert!(read_at(&buf, 0).is_err());
    }

    #[test]
    fn long_forms() {
        let mut buf = vec![0xFF, 0x40, 0x82, 0x00, 0x9F];
        buf.extend(std::iter::repeat_n(0u8, 0x9F));
        let t = read_at(&buf, 0).unwrap();
        assert_eq!(t.value.len(), 0x9F);
        assert_eq!(t.end, buf.len());
        assert_eq!(encoded_len(&buf[..5]), Some(buf.len()));
        assert_eq!(encoded_len(&[0x30, 0x82, 0x06, 0x32]), Some(1590));
        let b81 = [0x64, 0x81, 0x01, 0xAA];
        assert_eq!(read_at(&b81, 0).unwrap().value, &[0xAA]);
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 0x1234_5678u32;
        for len in 0..64 {
            for _ in 0..50 {
                let buf: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        (seed >> 24) as u8
                    })
                    .collect();
                let _ = iter(&buf).count();
                let _ = encoded_len(&buf);
            }
        }
        assert!(read_at(&[0xDF, 0xFF, 0xFF, 0x00], 0).is_err());
        assert!(read_at(&[0x30, 0x84, 0, 0, 0, 1], 0).is_err());
    }
}
