//! Checking every signature of a PDF: the /ByteRange must cover the file from its first byte
//! to the end of the revision the signature closes, leaving out exactly the /Contents hex
//! string of that signature's own dictionary; the CMS inside must sign that range, and its
//! signer is checked (chain, 署名用 usage, revocation) by the relying party.

use lopdf::{Dictionary, Document, Object};

use super::{array_of, load, malformed, resolve_dict};
use crate::cert::UnixTime;
use crate::error::{Error, PdfError, VerifyError};
use crate::verify::{RelyingParty, SignedDocument};

/// One verified signature of a PDF.
#[derive(Clone, Debug)]
pub struct PdfSignature {
    /// The field's /T (e.g. `Signature1`).
    pub field: String,
    /// /SubFilter: `adbe.pkcs7.detached` or `ETSI.CAdES.detached`.
    pub sub_filter: String,
    /// The /ByteRange as written.
    pub byte_range: [usize; 4],
    /// Bytes after the revision this signature covers (0: it covers the whole file). A later
    /// co-signature is such bytes; so is any other later update, which this signature does
    /// not vouch for.
    pub appended_after: usize,
    /// The signer and the signed attributes, verified.
    pub document: SignedDocument,
    /// The genTime of the RFC 3161 signature timestamp, when there is one: its imprint is
    /// checked to cover this signature; the TSA's own signature and certificate are not
    /// checked here (the relying party has no TSA trust list yet).
    pub timestamp: Option<UnixTime>,
}

fn invalid(what: &'static str) -> Error {
    log::debug!("PDF signature rejected: {what}");
    Error::Verify(VerifyError::SignatureInvalid)
}

/// The signature fields with a value (bounded depth and count; cycles end there).
fn signature_fields(doc: &Document) -> Vec<(String, Dictionary)> {
    let Some(catalog) = doc
        .trailer
        .get(b"Root")
        .ok()
        .and_then(|r| resolve_dict(doc, r))
    else {
        return Vec::new();
    };
    let fields = catalog
        .get(b"AcroForm")
        .ok()
        .and_then(|a| resolve_dict(doc, a))
        .map(|a| array_of(doc, a.get(b"Fields").ok()))
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut stack: Vec<(Object, usize, bool)> = fields.into_iter().map(|f| (f, 0, false)).collect();
    let mut visited = 0;
    while let Some((f, depth, inherited_sig)) = stack.pop() {
        visited += 1;
        if depth > 32 || visited > 100_000 {
            break;
        }
        let Some(d) = resolve_dict(doc, &f) else {
            continue;
        };
        let is_sig = match d.get(b"FT").and_then(Object::as_name) {
            Ok(ft) => ft == b"Sig",
            Err(_) => inherited_sig,
        };
        let kids = array_of(doc, d.get(b"Kids").ok());
        if is_sig {
            if let Some(v) = d.get(b"V").ok().and_then(|v| resolve_dict(doc, v)) {
                let name = d
                    .get(b"T")
                    .ok()
                    .and_then(|t| lopdf::decode_text_string(t).ok())
                    .unwrap_or_default();
                out.push((name, v.clone()));
            }
        }
        for kid in kids {
            stack.push((kid, depth + 1, is_sig));
        }
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The DER ContentInfo at the start of `padded` and the zero padding after it: any other
/// byte after the DER is refused, so no byte of /Contents can change unnoticed either.
fn strip_padding(padded: &[u8]) -> Result<&[u8], Error> {
    let (&tag, rest) = padded.split_first().ok_or(invalid("empty /Contents"))?;
    if tag != 0x30 {
        return Err(invalid("/Contents is not a DER SEQUENCE"));
    }
    let (&first, rest) = rest.split_first().ok_or(invalid("/Contents too short"))?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(invalid("/Contents length"));
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 2 + n)
    };
    let end = header
        .checked_add(len)
        .filter(|end| *end <= padded.len())
        .ok_or(invalid("/Contents shorter than its DER length"))?;
    if padded[end..].iter().any(|b| *b != 0) {
        return Err(invalid("bytes after the CMS in /Contents"));
    }
    Ok(&padded[..end])
}

fn one(
    bytes: &[u8],
    name: String,
    sig: &Dictionary,
    party: &RelyingParty,
    at: UnixTime,
) -> Result<PdfSignature, Error> {
    let sub_filter = sig
        .get(b"SubFilter")
        .and_then(Object::as_name)
        .map_err(|_| invalid("no /SubFilter"))?;
    if sub_filter != b"adbe.pkcs7.detached" && sub_filter != b"ETSI.CAdES.detached" {
        return Err(invalid("/SubFilter is not a detached CMS"));
    }
    let range = sig
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .map_err(|_| invalid("no /ByteRange"))?;
    let range: Vec<usize> = range
        .iter()
        .map(|o| o.as_i64().ok().and_then(|i| usize::try_from(i).ok()))
        .collect::<Option<_>>()
        .ok_or(invalid("/ByteRange is not four non-negative integers"))?;
    let [start, a, b, c] = range[..] else {
        return Err(invalid("/ByteRange is not four integers"));
    };
    let end = b.checked_add(c).ok_or(invalid("/ByteRange overflows"))?;
    // The range starts at byte 0, skips one gap, and ends inside the file.
    if start != 0 || a + 2 > b || end > bytes.len() {
        return Err(invalid("/ByteRange does not cover the file"));
    }
    // The gap is exactly one hex string: `<`, hex digits, `>`.
    let gap = &bytes[a..b];
    if gap.first() != Some(&b'<') || gap.last() != Some(&b'>') || !gap.len().is_multiple_of(2) {
        return Err(invalid("/ByteRange gap is not a hex string"));
    }
    let digits = &gap[1..gap.len() - 1];
    let mut padded = Vec::with_capacity(digits.len() / 2);
    for pair in digits.chunks_exact(2) {
        match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(h), Some(l)) => padded.push(h << 4 | l),
            _ => return Err(invalid("/ByteRange gap is not a hex string")),
        }
    }
    // ... and it is this dictionary's /Contents, not another string somewhere.
    let contents = sig
        .get(b"Contents")
        .and_then(Object::as_str)
        .map_err(|_| invalid("no /Contents"))?;
    if contents != padded.as_slice() {
        return Err(invalid("/ByteRange gap is not this signature's /Contents"));
    }
    let cms = strip_padding(&padded)?;
    let mut signed = Vec::with_capacity(a + c);
    signed.extend_from_slice(&bytes[..a]);
    signed.extend_from_slice(&bytes[b..end]);
    let (cms, timestamp) = super::timestamp::split_timestamp(cms)?;
    let document = party.verify_document(&cms, Some(&signed), at)?;
    Ok(PdfSignature {
        field: name,
        sub_filter: String::from_utf8_lossy(sub_filter).into_owned(),
        byte_range: [start, a, b, c],
        appended_after: bytes.len() - end,
        document,
        timestamp,
    })
}

/// Every signature of `bytes`, in file order (first signer first), each checked; the first
/// failure is the error (`SIGNATURE_INVALID` for any byte changed under a signature, or the
/// signer's `CHAIN_UNTRUSTED`, `REVOKED`, …). A file without signatures is `PDF_NOT_SIGNED`.
/// Whether the last signature covers the whole file is `appended_after == 0`.
pub fn verify_pdf(
    bytes: &[u8],
    party: &RelyingParty,
    at: UnixTime,
) -> Result<Vec<PdfSignature>, Error> {
    let doc = load(bytes)?;
    let fields = signature_fields(&doc);
    if fields.is_empty() {
        return Err(Error::Pdf(PdfError::NotSigned));
    }
    let mut out = Vec::with_capacity(fields.len());
    for (name, sig) in fields {
        if sig
            .get(b"Type")
            .and_then(Object::as_name)
            .is_ok_and(|t| t != b"Sig")
        {
            return Err(malformed("signature value is not a /Sig dictionary"));
        }
        out.push(one(bytes, name, &sig, party, at)?);
    }
    out.sort_by_key(|s| s.byte_range[2] + s.byte_range[3]);
    Ok(out)
}
