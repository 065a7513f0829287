//! 電子署名付きPDF: PDF signatures (ISO 32000-1 §12.8) made with the card's 署名用 key, in
//! sans-IO steps so the card can be on another device than the file (`docs/pdf.md` has every
//! rule and its source):
//!
//! 1. [`prepare`] appends an incremental update to the original bytes (which stay an exact
//!    prefix): a signature field and widget (invisible), a signature dictionary with
//!    /ByteRange and a zero-filled /Contents placeholder, and a new cross-reference section.
//! 2. The card signs: [`PreparedPdf::signed_attributes`] gives the CMS signed attributes over
//!    the ByteRange digest and what the card signs ([`PreparedSignature::card_input`]);
//!    [`sign_with_card`] does it in one PIN operation with a [`MynaCard`].
//! 3. Optionally [`timestamp_request`] / [`add_timestamp`] add an RFC 3161 signature timestamp
//!    from a TSA (PAdES B-T); then [`PreparedPdf::finish`] writes the detached CMS SignedData
//!    into /Contents.
//!
//! [`verify_pdf`] checks every signature of a file. A second [`prepare`] on a signed file
//! appends again (co-signing; 連署).

mod timestamp;
mod verify;
mod write;

pub use timestamp::{TimestampRequest, add_timestamp, timestamp_request};
pub use verify::{PdfSignature, verify_pdf};

use std::panic::AssertUnwindSafe;

use lopdf::{Dictionary, Document, Object, ObjectId};
use sha2::{Digest, Sha256, Sha384};

use crate::card::MynaCard;
use crate::cert::{JpkiCertificate, KeyAlgorithm, UnixTime};
use crate::cms::PreparedSignature;
use crate::error::{Error, PdfError};
use crate::pin::SignPin;
use crate::transport::Transport;

/// Room reserved for the CMS in /Contents by default: a 署名用 certificate (about 1.6 KB),
/// an RSA-2048 signature and the signed attributes need about 2.2 KB; 16 KB leaves room for
/// an RFC 3161 token and its TSA's certificate.
pub const DEFAULT_CONTENTS_CAPACITY: usize = 16 * 1024;

/// Which receiver's rules a signature follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Profile {
    /// 法務省 登記・供託 / 電子公証: /SubFilter /adbe.pkcs7.detached, SHA-256, RSA-2048 keys
    /// only, signingTime in the CMS.
    #[default]
    Moj,
    /// PAdES baseline B-B (ETSI EN 319 142-1): /SubFilter /ETSI.CAdES.detached,
    /// signingCertificateV2, no signingTime attribute (the time is /M).
    Pades,
}

impl Profile {
    /// The stable name faces use: `moj`, `pades`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Moj => "moj",
            Profile::Pades => "pades",
        }
    }

    /// `moj` or `pades`.
    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "moj" => Some(Profile::Moj),
            "pades" => Some(Profile::Pades),
            _ => None,
        }
    }

    fn sub_filter(self) -> &'static [u8] {
        match self {
            Profile::Moj => b"adbe.pkcs7.detached",
            Profile::Pades => b"ETSI.CAdES.detached",
        }
    }

    /// Whether the profile accepts the key, and if not the typed refusal.
    pub fn check_key(self, key: KeyAlgorithm) -> Result<(), Error> {
        match (self, key) {
            (Profile::Moj, KeyAlgorithm::Rsa { bits: 2048 }) | (Profile::Pades, _) => Ok(()),
            (Profile::Moj, other) => Err(Error::Pdf(PdfError::KeyForbidden {
                profile: self.as_str(),
                key: match other {
                    KeyAlgorithm::Rsa { bits } => format!("RSA-{bits}"),
                    KeyAlgorithm::EcdsaP384 => "ECDSA P-384".to_string(),
                },
            })),
        }
    }
}

/// What goes into the signature dictionary.
#[derive(Clone, Debug)]
pub struct SignOptions {
    /// The receiver's rules.
    pub profile: Profile,
    /// The claimed signing time: /M, and the CMS signingTime in profile `moj`. Not evidence;
    /// a timestamp token is.
    pub signing_time: UnixTime,
    /// /Name (署名者名), optional.
    pub name: Option<String>,
    /// /Reason (署名の理由), optional.
    pub reason: Option<String>,
    /// /Location (署名場所), optional.
    pub location: Option<String>,
    /// Bytes reserved for the CMS in /Contents.
    pub contents_capacity: usize,
}

impl SignOptions {
    /// Options with no /Name, /Reason, /Location and the default capacity.
    pub fn new(profile: Profile, signing_time: UnixTime) -> SignOptions {
        SignOptions {
            profile,
            signing_time,
            name: None,
            reason: None,
            location: None,
            contents_capacity: DEFAULT_CONTENTS_CAPACITY,
        }
    }
}

/// A PDF with its signature update appended and /Contents still a placeholder.
#[derive(Clone)]
pub struct PreparedPdf {
    /// The incremental update, to be appended to the original bytes.
    update: Vec<u8>,
    /// `[start, end)` of `<…>` in `update`: the only bytes the signature does not cover.
    contents: (usize, usize),
    original_len: usize,
    profile: Profile,
    signing_time: UnixTime,
}

impl core::fmt::Debug for PreparedPdf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The document is the caller's data: its length, never its content.
        f.debug_struct("PreparedPdf")
            .field("original_len", &self.original_len)
            .field("update_len", &self.update.len())
            .field("byte_range", &self.byte_range())
            .field("profile", &self.profile)
            .finish()
    }
}

/// Reads a PDF's structure. lopdf's errors become typed ones; a panic in it (it has had
/// parser panics on crafted input) is caught and is `PDF_MALFORMED` too.
pub(crate) fn load(bytes: &[u8]) -> Result<Document, Error> {
    let malformed = |what| Error::Pdf(PdfError::Malformed { what });
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(malformed("no %PDF- header"));
    }
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(malformed("truncated: no %%EOF at the end"));
    }
    let options = lopdf::LoadOptions::with_filter(drop_stream_data);
    let loaded = std::panic::catch_unwind(AssertUnwindSafe(|| {
        Document::load_mem_with_options(bytes, options)
    }));
    let doc = match loaded {
        Err(_) => return Err(malformed("unreadable object structure")),
        Ok(Err(lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword)) => {
            return Err(Error::Pdf(PdfError::Encrypted));
        }
        Ok(Err(_)) => return Err(malformed("cross-reference table or trailer")),
        Ok(Ok(doc)) => doc,
    };
    if doc.trailer.has(b"Encrypt") || doc.encryption_state.is_some() {
        return Err(Error::Pdf(PdfError::Encrypted));
    }
    Ok(doc)
}

/// lopdf's load filter: the data of every stream but object streams (which hold objects the
/// update may rewrite) is dropped as soon as it is parsed, so a file of many images is not
/// held twice. The SDK never rewrites a stream. One byte is left, not none: lopdf re-reads
/// a stream it finds empty.
fn drop_stream_data(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    if let Object::Stream(stream) = object {
        if !stream.dict.has_type(b"ObjStm") {
            stream.content = vec![0];
        }
    }
    // lopdf keeps the mutated object for top-level objects and the returned one for the
    // objects inside object streams: return the same (a cheap clone: streams are emptied).
    Some((id, object.clone()))
}

fn malformed(what: &'static str) -> Error {
    Error::Pdf(PdfError::Malformed { what })
}

/// Follows references (bounded) to the object itself.
fn resolve<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

fn resolve_dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    resolve(doc, o).and_then(|o| o.as_dict().ok())
}

/// The elements of an array that may be given by reference.
fn array_of(doc: &Document, o: Option<&Object>) -> Vec<Object> {
    o.and_then(|o| resolve(doc, o))
        .and_then(|o| o.as_array().ok())
        .cloned()
        .unwrap_or_default()
}

/// Every terminal field's /T in the form, for a fresh name (bounded depth and count).
fn field_names(doc: &Document, fields: &[Object]) -> Vec<Vec<u8>> {
    let mut names = Vec::new();
    let mut stack: Vec<(Object, usize)> = fields.iter().map(|f| (f.clone(), 0)).collect();
    let mut visited = 0;
    while let Some((f, depth)) = stack.pop() {
        visited += 1;
        if depth > 32 || visited > 100_000 {
            break;
        }
        let Some(d) = resolve_dict(doc, &f) else {
            continue;
        };
        if let Ok(t) = d.get(b"T").and_then(Object::as_str) {
            names.push(t.to_vec());
        }
        for kid in array_of(doc, d.get(b"Kids").ok()) {
            stack.push((kid, depth + 1));
        }
    }
    names
}

/// `D:YYYYMMDDHHmmSSZ` (§7.9.4) in UTC.
fn pdf_date(t: UnixTime) -> String {
    let (y, m, d, rem) = t.utc_civil();
    format!(
        "D:{y:04}{m:02}{d:02}{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Width of each patched /ByteRange number: ten digits cover 9.3 GB files.
const RANGE_WIDTH: usize = 10;

/// Step 1: the original bytes followed by an incremental update (§7.5.6) with an invisible
/// signature field on the first page and a signature dictionary whose /Contents is zeros.
pub fn prepare(original: &[u8], options: &SignOptions) -> Result<PreparedPdf, Error> {
    if options.contents_capacity == 0 || options.contents_capacity > 1 << 20 {
        return Err(Error::Usage(crate::error::UsageError::InvalidArgument {
            what: "contents capacity must be 1 byte to 1 MiB",
        }));
    }
    let doc = load(original)?;
    let root_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| malformed("trailer has no /Root reference"))?;
    let catalog = doc
        .get_dictionary(root_id)
        .map_err(|_| malformed("/Root is not a dictionary"))?
        .clone();
    let page_id = std::panic::catch_unwind(AssertUnwindSafe(|| doc.page_iter().next()))
        .ok()
        .flatten()
        .ok_or_else(|| malformed("no page"))?;
    let mut page = doc
        .get_dictionary(page_id)
        .map_err(|_| malformed("page is not a dictionary"))?
        .clone();
    let size = doc
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .unwrap_or(0)
        .max(i64::from(doc.max_id) + 1);
    let first_new = u32::try_from(size).map_err(|_| malformed("trailer /Size"))?;
    let field_id: ObjectId = (first_new, 0);
    let sig_id: ObjectId = (first_new + 1, 0);
    let mut next = first_new + 2;

    // The AcroForm: rewritten where it lives (its own object, or inside the catalog).
    let acroform_ref = catalog
        .get(b"AcroForm")
        .ok()
        .and_then(|o| o.as_reference().ok());
    let mut acroform = catalog
        .get(b"AcroForm")
        .ok()
        .and_then(|o| resolve_dict(&doc, o))
        .cloned()
        .unwrap_or_default();
    let mut fields = array_of(&doc, acroform.get(b"Fields").ok());
    let taken = field_names(&doc, &fields);
    let mut n = 1;
    let field_name = loop {
        let candidate = format!("Signature{n}");
        if !taken.iter().any(|t| t == candidate.as_bytes()) {
            break candidate;
        }
        n += 1;
    };
    fields.push(Object::Reference(field_id));
    acroform.set("Fields", Object::Array(fields));
    // SignaturesExist | AppendOnly (§12.7.2, Table 219).
    acroform.set("SigFlags", Object::Integer(3));

    let mut objects: Vec<(ObjectId, Vec<u8>)> = Vec::new();
    let mut body = Vec::new();
    match acroform_ref {
        Some(id) => {
            write::dictionary(&mut body, &acroform);
            objects.push((id, std::mem::take(&mut body)));
        }
        None => {
            let mut catalog = catalog.clone();
            let id = (next, 0);
            next += 1;
            write::dictionary(&mut body, &acroform);
            objects.push((id, std::mem::take(&mut body)));
            catalog.set("AcroForm", Object::Reference(id));
            write::dictionary(&mut body, &catalog);
            objects.push((root_id, std::mem::take(&mut body)));
        }
    }
    // The widget in the page's /Annots (resolved and written inline in the page).
    let mut annots = array_of(&doc, page.get(b"Annots").ok());
    annots.push(Object::Reference(field_id));
    page.set("Annots", Object::Array(annots));
    write::dictionary(&mut body, &page);
    objects.push((page_id, std::mem::take(&mut body)));

    // The field merged with its widget (§12.5.6.19, §12.7.4.5): invisible, a zero rectangle,
    // flags Print | Locked.
    let mut field = Dictionary::new();
    field.set("Type", Object::Name(b"Annot".to_vec()));
    field.set("Subtype", Object::Name(b"Widget".to_vec()));
    field.set("FT", Object::Name(b"Sig".to_vec()));
    field.set("T", write::text_string(&field_name));
    field.set("V", Object::Reference(sig_id));
    field.set("F", Object::Integer(132));
    field.set("Rect", Object::Array(vec![Object::Integer(0); 4]));
    field.set("P", Object::Reference(page_id));
    write::dictionary(&mut body, &field);
    objects.push((field_id, std::mem::take(&mut body)));

    // The signature dictionary (§12.8.1, Table 252), /ByteRange and /Contents last so their
    // offsets are found by construction, not by searching.
    let mut sig = Dictionary::new();
    sig.set("Type", Object::Name(b"Sig".to_vec()));
    sig.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
    sig.set(
        "SubFilter",
        Object::Name(options.profile.sub_filter().to_vec()),
    );
    sig.set(
        "M",
        Object::String(
            pdf_date(options.signing_time).into_bytes(),
            lopdf::StringFormat::Literal,
        ),
    );
    for (key, value) in [
        ("Name", &options.name),
        ("Reason", &options.reason),
        ("Location", &options.location),
    ] {
        if let Some(v) = value {
            sig.set(key, write::text_string(v));
        }
    }
    write::dictionary(&mut body, &sig);
    body.truncate(body.len() - 2); // reopen the dictionary: drop ">>"
    body.extend_from_slice(b"/ByteRange [0 ");
    let range_at = body.len();
    body.extend_from_slice(format!("{:w$} {:w$} {:w$}]", 0, 0, 0, w = RANGE_WIDTH).as_bytes());
    body.extend_from_slice(b"/Contents ");
    let contents_at = body.len();
    body.push(b'<');
    body.resize(body.len() + 2 * options.contents_capacity, b'0');
    body.push(b'>');
    body.extend_from_slice(b">>");
    objects.push((sig_id, body));

    // Serialise the update; it goes after the original bytes (offsets are absolute: `base`
    // plus the position in the update). The original is not copied.
    let base = original.len();
    let mut out = Vec::with_capacity(4 * options.contents_capacity + 4096);
    if !original.ends_with(b"\n") && !original.ends_with(b"\r") {
        out.push(b'\n');
    }
    let mut entries = Vec::new();
    let mut sig_range_at = 0;
    let mut sig_contents_at = 0;
    for ((id, generation), body) in &objects {
        entries.push((*id, base + out.len()));
        out.extend_from_slice(format!("{id} {generation} obj\n").as_bytes());
        if (*id, *generation) == sig_id {
            sig_range_at = out.len() + range_at;
            sig_contents_at = out.len() + contents_at;
        }
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    // Generation numbers of rewritten objects: the xref writers use 0 for new objects and the
    // stream writer cannot say another; refuse the rare old-generation catalog or page.
    if objects.iter().any(|((_, g), _)| *g != 0) {
        return Err(malformed(
            "a rewritten object has a generation number above 0",
        ));
    }
    let mut trailer = Dictionary::new();
    trailer.set("Root", Object::Reference(root_id));
    if let Ok(info) = doc.trailer.get(b"Info") {
        trailer.set("Info", info.clone());
    }
    if let Ok(id) = doc.trailer.get(b"ID") {
        trailer.set("ID", id.clone());
    }
    trailer.set("Prev", Object::Integer(doc.xref_start as i64));
    let xref_offset = base + out.len();
    if matches!(
        doc.reference_table.cross_reference_type,
        lopdf::xref::XrefType::CrossReferenceStream
    ) {
        let xref_id = next;
        entries.push((xref_id, xref_offset));
        entries.sort_unstable();
        trailer.set("Size", Object::Integer(i64::from(xref_id) + 1));
        write::xref_stream(&mut out, xref_id, &entries, trailer, xref_offset);
    } else {
        entries.sort_unstable();
        trailer.set("Size", Object::Integer(i64::from(next)));
        write::xref_table(&mut out, &entries, &trailer, xref_offset);
    }

    let contents = (
        sig_contents_at,
        sig_contents_at + 2 * options.contents_capacity + 2,
    );
    let range = [
        0,
        base + contents.0,
        base + contents.1,
        out.len() - contents.1,
    ];
    let text = format!(
        "{:w$} {:w$} {:w$}]",
        range[1],
        range[2],
        range[3],
        w = RANGE_WIDTH
    );
    if text.len() != 3 * RANGE_WIDTH + 3 {
        return Err(malformed("file too large for the /ByteRange field"));
    }
    out[sig_range_at..sig_range_at + text.len()].copy_from_slice(text.as_bytes());
    Ok(PreparedPdf {
        update: out,
        contents,
        original_len: original.len(),
        profile: options.profile,
        signing_time: options.signing_time,
    })
}

impl PreparedPdf {
    /// The /ByteRange: `[0, start of <…>, end of <…>, rest]`, offsets in the signed file.
    pub fn byte_range(&self) -> [usize; 4] {
        [
            0,
            self.original_len + self.contents.0,
            self.original_len + self.contents.1,
            self.update.len() - self.contents.1,
        ]
    }

    /// Length of the original file the update goes after.
    pub fn original_len(&self) -> usize {
        self.original_len
    }

    /// The incremental update as prepared (placeholder /Contents): original ‖ update is the
    /// file being signed.
    pub fn update(&self) -> &[u8] {
        &self.update
    }

    /// The profile the update was prepared for.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The bytes reserved for the CMS.
    pub fn contents_capacity(&self) -> usize {
        (self.contents.1 - self.contents.0 - 2) / 2
    }

    fn same_original(&self, original: &[u8]) -> Result<(), Error> {
        if original.len() == self.original_len {
            Ok(())
        } else {
            Err(Error::Usage(crate::error::UsageError::InvalidArgument {
                what: "not the original the PDF was prepared from (length differs)",
            }))
        }
    }

    /// The digest of the two ByteRange parts (`original`, then the update around /Contents),
    /// hashed in place with no copy: SHA-256 for an RSA key, SHA-384 for a P-384 key (the CMS
    /// messageDigest). `original` must be the bytes given to [`prepare`].
    pub fn digest(&self, original: &[u8], key: KeyAlgorithm) -> Result<Vec<u8>, Error> {
        self.same_original(original)?;
        let parts = [
            original,
            &self.update[..self.contents.0],
            &self.update[self.contents.1..],
        ];
        Ok(match key {
            KeyAlgorithm::Rsa { .. } => {
                let mut h = Sha256::new();
                parts.iter().for_each(|p| h.update(p));
                h.finalize().to_vec()
            }
            KeyAlgorithm::EcdsaP384 => {
                let mut h = Sha384::new();
                parts.iter().for_each(|p| h.update(p));
                h.finalize().to_vec()
            }
        })
    }

    /// Step 2 without a card session: the signed attributes for `cert`'s key over the
    /// ByteRange digest, and what the card signs ([`PreparedSignature::card_input`]). The
    /// profile refuses a key it forbids (`PDF_KEY_FORBIDDEN`).
    pub fn signed_attributes(
        &self,
        original: &[u8],
        cert: &JpkiCertificate,
    ) -> Result<PreparedSignature, Error> {
        let key = cert.key_algorithm();
        self.profile.check_key(key)?;
        let time = match self.profile {
            Profile::Moj => Some(self.signing_time),
            Profile::Pades => None,
        };
        PreparedSignature::for_digest(&self.digest(original, key)?, cert, time)
    }

    /// Step 3: the CMS (DER SignedData, detached) written into /Contents, zero-padded; the
    /// result is the update to append to the original (nothing else changes, so the
    /// ByteRange digest still holds). [`finish_file`](Self::finish_file) returns the whole file.
    pub fn finish(mut self, cms: &[u8]) -> Result<Vec<u8>, Error> {
        let capacity = self.contents_capacity();
        if cms.len() > capacity {
            return Err(Error::Pdf(PdfError::ContentsTooSmall {
                needed: cms.len(),
                capacity,
            }));
        }
        if cms.first() != Some(&0x30) {
            return Err(Error::Usage(crate::error::UsageError::InvalidArgument {
                what: "the signature is not a DER CMS ContentInfo",
            }));
        }
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let at = self.contents.0 + 1;
        for (i, b) in cms.iter().enumerate() {
            self.update[at + 2 * i] = HEX[usize::from(b >> 4)];
            self.update[at + 2 * i + 1] = HEX[usize::from(b & 0xF)];
        }
        Ok(self.update)
    }

    /// [`finish`](Self::finish), then original ‖ update as one file.
    pub fn finish_file(self, original: &[u8], cms: &[u8]) -> Result<Vec<u8>, Error> {
        self.same_original(original)?;
        let update = self.finish(cms)?;
        let mut file = Vec::with_capacity(original.len() + update.len());
        file.extend_from_slice(original);
        file.extend_from_slice(&update);
        Ok(file)
    }
}

/// Step 2 with the card: one VERIFY of the 署名用 PIN, the certificate, the profile's key
/// check (before the signature APDU), one signature; the detached CMS for
/// [`PreparedPdf::finish`]. `original` is the file given to [`prepare`].
pub async fn sign_with_card<T: Transport>(
    card: &mut MynaCard<T>,
    pin: &SignPin,
    original: &[u8],
    prepared: &PreparedPdf,
) -> Result<Vec<u8>, Error> {
    card.sign_detached_with(pin, |cert| prepared.signed_attributes(original, cert))
        .await
}

/// The three steps with a card at hand: the signed file.
pub async fn sign_pdf<T: Transport>(
    card: &mut MynaCard<T>,
    pin: &SignPin,
    original: &[u8],
    options: &SignOptions,
) -> Result<Vec<u8>, Error> {
    let prepared = prepare(original, options)?;
    let cms = sign_with_card(card, pin, original, &prepared).await?;
    prepared.finish_file(original, &cms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_are_utc() {
        assert_eq!(pdf_date(UnixTime(0)), "D:19700101000000Z");
        assert_eq!(pdf_date(UnixTime(1_780_272_000)), "D:20260601000000Z");
        assert_eq!(pdf_date(UnixTime(951_782_400)), "D:20000229000000Z");
    }

    #[test]
    fn bad_input_is_typed() {
        for (input, code) in [
            (&b""[..], "PDF_MALFORMED"),
            (b"hello", "PDF_MALFORMED"),
            (b"%PDF-1.4\n1 0 obj", "PDF_MALFORMED"),
            (b"%PDF-1.4\ntrailer<<>>\n%%EOF", "PDF_MALFORMED"),
        ] {
            let e = prepare(input, &SignOptions::new(Profile::Moj, UnixTime(0))).unwrap_err();
            assert_eq!(e.code(), code);
        }
    }

    #[test]
    fn moj_refuses_keys_other_than_rsa_2048() {
        assert!(
            Profile::Moj
                .check_key(KeyAlgorithm::Rsa { bits: 2048 })
                .is_ok()
        );
        for key in [KeyAlgorithm::Rsa { bits: 4096 }, KeyAlgorithm::EcdsaP384] {
            let e = Profile::Moj.check_key(key).unwrap_err();
            assert_eq!(e.code(), "PDF_KEY_FORBIDDEN");
            assert!(e.message_ja().contains("RSA-2048"));
        }
        assert!(Profile::Pades.check_key(KeyAlgorithm::EcdsaP384).is_ok());
    }
}
