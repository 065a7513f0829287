//! Serialising the few objects an incremental update rewrites (ISO 32000-1 §7.3), and the
//! cross-reference section that follows them (§7.5.4 table, §7.5.8 stream).

use lopdf::{Dictionary, Object};

/// Appends `object` in PDF syntax. Strings are written hexadecimal (no escaping to get wrong);
/// names escape every byte outside the regular characters as `#xx` (§7.3.5).
pub(super) fn object(out: &mut Vec<u8>, o: &Object) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => {
            let r = if r.is_finite() { *r } else { 0.0 };
            out.extend_from_slice(format!("{r}").as_bytes())
        }
        Object::Name(n) => name(out, n),
        Object::String(s, _) => hex_string(out, s),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => dictionary(out, d),
        // A stream is never rewritten by the update (catalog, page, AcroForm and annotation
        // arrays are dictionaries and arrays); `null` keeps the output well-formed regardless.
        Object::Stream(_) => out.extend_from_slice(b"null"),
        Object::Reference((id, generation)) => {
            out.extend_from_slice(format!("{id} {generation} R").as_bytes())
        }
    }
}

pub(super) fn dictionary(out: &mut Vec<u8>, d: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (key, value) in d.iter() {
        name(out, key);
        out.push(b' ');
        object(out, value);
    }
    out.extend_from_slice(b">>");
}

pub(super) fn name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        let delimiter = b"()<>[]{}/%#".contains(&b);
        if (0x21..=0x7e).contains(&b) && !delimiter {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

pub(super) fn hex_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'<');
    for b in s {
        out.extend_from_slice(format!("{b:02X}").as_bytes());
    }
    out.push(b'>');
}

/// A text string (§7.9.2.2): PDFDocEncoding is ASCII for printable ASCII; anything else is
/// UTF-16BE with its byte order mark, so 氏名 and 理由 in Japanese survive.
pub(super) fn text_string(s: &str) -> Object {
    let bytes = if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        s.as_bytes().to_vec()
    } else {
        let mut v = vec![0xFE, 0xFF];
        for unit in s.encode_utf16() {
            v.extend_from_slice(&unit.to_be_bytes());
        }
        v
    };
    Object::String(bytes, lopdf::StringFormat::Hexadecimal)
}

/// Groups sorted `(id, offset)` entries into the runs a cross-reference section lists.
fn runs(entries: &[(u32, usize)]) -> Vec<&[(u32, usize)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=entries.len() {
        if i == entries.len() || entries[i].0 != entries[i - 1].0 + 1 {
            out.push(&entries[start..i]);
            start = i;
        }
    }
    out
}

/// A classic cross-reference section and trailer (§7.5.4, §7.5.5): 20-byte entries.
pub(super) fn xref_table(
    out: &mut Vec<u8>,
    entries: &[(u32, usize)],
    trailer: &Dictionary,
    xref_offset: usize,
) {
    out.extend_from_slice(b"xref\n");
    for run in runs(entries) {
        out.extend_from_slice(format!("{} {}\n", run[0].0, run.len()).as_bytes());
        for (_, offset) in run {
            out.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
        }
    }
    out.extend_from_slice(b"trailer\n");
    dictionary(out, trailer);
    out.extend_from_slice(format!("\nstartxref\n{xref_offset}\n%%EOF\n").as_bytes());
}

/// A cross-reference stream (§7.5.8), uncompressed, `/W [1 4 2]`, for files whose last
/// section is a stream (PDF 1.5+): an update keeps the kind of the file it extends.
/// `entries` includes the stream's own object.
pub(super) fn xref_stream(
    out: &mut Vec<u8>,
    id: u32,
    entries: &[(u32, usize)],
    mut trailer: Dictionary,
    xref_offset: usize,
) {
    let mut data = Vec::with_capacity(entries.len() * 7);
    let mut index = Vec::new();
    for run in runs(entries) {
        index.push(Object::Integer(i64::from(run[0].0)));
        index.push(Object::Integer(run.len() as i64));
        for (_, offset) in run {
            data.push(1);
            data.extend_from_slice(&(*offset as u32).to_be_bytes());
            data.extend_from_slice(&[0, 0]);
        }
    }
    trailer.set("Type", Object::Name(b"XRef".to_vec()));
    trailer.set(
        "W",
        Object::Array(vec![
            Object::Integer(1),
            Object::Integer(4),
            Object::Integer(2),
        ]),
    );
    trailer.set("Index", Object::Array(index));
    trailer.set("Length", Object::Integer(data.len() as i64));
    out.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
    dictionary(out, &trailer);
    out.extend_from_slice(b"\nstream\r\n");
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\r\nendstream\nendobj\n");
    out.extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_strings_are_escaped() {
        let mut out = Vec::new();
        name(&mut out, b"A B#/");
        assert_eq!(out, b"/A#20B#23#2F");
        let mut out = Vec::new();
        object(&mut out, &text_string("署名"));
        assert_eq!(out, b"<FEFF7F72540D>");
    }

    #[test]
    fn runs_split_at_gaps() {
        let e = [(3, 10), (4, 20), (9, 30)];
        let r = runs(&e);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].len(), 2);
        assert_eq!(r[1][0].0, 9);
    }
}
