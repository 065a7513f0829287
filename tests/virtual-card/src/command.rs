//! Card-side parsing of command APDUs (ISO/IEC 7816-4 §5.1): the four cases, short and
//! extended. Written independently of the SDK's encoder, so tests of one check the other.

/// A parsed command APDU.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Apdu<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: &'a [u8],
    /// Expected length: None for cases 1 and 3; 1..=65536 otherwise (Le 00 = 256 short,
    /// 0000 = 65536 extended).
    pub le: Option<usize>,
    pub extended: bool,
}

/// Parses `raw`; `None` when the length fields do not add up (the card answers 6700).
pub(crate) fn parse(raw: &[u8]) -> Option<Apdu<'_>> {
    let (&[cla, ins, p1, p2], body) = raw.split_first_chunk::<4>()?;
    let apdu = |data, le, extended| {
        Some(Apdu {
            cla,
            ins,
            p1,
            p2,
            data,
            le,
            extended,
        })
    };
    match body {
        [] => apdu(&[], None, false),
        [le] => apdu(
            &[],
            Some(if *le == 0 { 256 } else { usize::from(*le) }),
            false,
        ),
        [0, rest @ ..] => {
            // Extended: 00 then Le (2 bytes) or Lc (2 bytes) + data + optional Le (2 bytes).
            let two = |b: &[u8]| usize::from(u16::from_be_bytes([b[0], b[1]]));
            let ext_le = |n: usize| if n == 0 { 65536 } else { n };
            match rest.len() {
                2 => apdu(&[], Some(ext_le(two(rest))), true),
                n if n > 2 => {
                    let lc = two(rest);
                    if lc == 0 {
                        return None;
                    }
                    let data = rest.get(2..2 + lc)?;
                    match rest.len() - 2 - lc {
                        0 => apdu(data, None, true),
                        2 => apdu(data, Some(ext_le(two(&rest[2 + lc..]))), true),
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        [lc, rest @ ..] => {
            let lc = usize::from(*lc);
            let data = rest.get(..lc)?;
            match rest.len() - lc {
                0 => apdu(data, None, false),
                1 => apdu(
                    data,
                    Some(if rest[lc] == 0 {
                        256
                    } else {
                        usize::from(rest[lc])
                    }),
                    false,
                ),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        let a = parse(&[0, 0xA4, 4, 0x0C, 2, 0xAA, 0xBB]).unwrap();
        assert_eq!((a.data, a.le, a.extended), (&[0xAA, 0xBB][..], None, false));
        assert_eq!(parse(&[0, 0xB0, 0, 0, 0]).unwrap().le, Some(256));
        assert_eq!(parse(&[0, 0xB0, 0, 0, 0, 0, 0]).unwrap().le, Some(65536));
        assert_eq!(
            parse(&[0, 0xB0, 0, 0, 0, 0x06, 0x40]).unwrap().le,
            Some(1600)
        );
        let e = parse(&[0x80, 0x2A, 0, 0x80, 0, 0, 2, 1, 2, 1, 0]).unwrap();
        assert_eq!((e.data, e.le, e.extended), (&[1, 2][..], Some(256), true));
        assert_eq!(parse(&[0, 0x20, 0, 0x80]).unwrap().le, None);
        assert!(parse(&[0, 0x20, 0]).is_none());
        assert!(parse(&[0, 0x20, 0, 0x80, 4, 1, 2]).is_none());
        assert!(parse(&[0, 0x20, 0, 0x80, 1, 1, 2, 3]).is_none());
        assert!(parse(&[0, 0x20, 0, 0x80, 0, 0, 0]).unwrap().extended);
        assert!(parse(&[0, 0x20, 0, 0x80, 0, 0, 0, 5]).is_none());
    }
}
