//! RFC 3161 signature timestamps (PAdES B-T, ETSI EN 319 142-1): a TimeStampReq over the
//! SHA-256 of the CMS signature value, and the TSA's token added as the unsigned attribute
//! id-aa-signatureTimeStampToken (RFC 3161 Appendix A, RFC 5126 §6.1.1). Sans-IO: the caller
//! POSTs [`TimestampRequest::der`] with `Content-Type: application/timestamp-query` and gives
//! back the body of the `application/timestamp-reply`.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerInfos};
use der::asn1::{Any, GeneralizedTime, Int, ObjectIdentifier, OctetString, SetOfVec, Uint};
use der::{Decode, Encode, Sequence, Tagged};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::cert::UnixTime;
use crate::error::{Error, PdfError, VerifyError};

const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-aa-signatureTimeStampToken (RFC 3161 Appendix A).
pub(super) const ID_SIGNATURE_TIMESTAMP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// id-ct-TSTInfo (RFC 3161 §2.4.2).
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

fn no() -> bool {
    false
}

/// TimeStampReq (RFC 3161 §2.4.1), without extensions.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<Uint>,
    #[asn1(default = "no")]
    cert_req: bool,
}

/// PKIStatusInfo (RFC 3161 §2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<der::asn1::BitString>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<ContentInfo>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<Int>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<Int>,
}

/// TSTInfo (RFC 3161 §2.4.2); genTime kept raw (TSAs write fractional seconds).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: Any,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "no")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Uint>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<Any>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<x509_cert::ext::Extensions>,
}

/// A request to send to a TSA, and what its answer must match.
#[derive(Clone, Debug)]
pub struct TimestampRequest {
    der: Vec<u8>,
    imprint: Vec<u8>,
    nonce: Vec<u8>,
}

impl TimestampRequest {
    /// The DER TimeStampReq: POST it as `application/timestamp-query`.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

fn bad_reply(what: &'static str) -> Error {
    log::debug!("timestamp reply rejected: {what}");
    Error::Verify(VerifyError::SignatureInvalid)
}

fn malformed_cms() -> Error {
    Error::Pdf(PdfError::Malformed {
        what: "the signature is not a CMS SignedData",
    })
}

fn signed_data(cms: &[u8]) -> Result<SignedData, Error> {
    let info = ContentInfo::from_der(cms).map_err(|_| malformed_cms())?;
    info.content.decode_as().map_err(|_| malformed_cms())
}

/// The signature value of the single signer of a SignedData.
fn signature_value(signed: &SignedData) -> Result<Vec<u8>, Error> {
    match signed.signer_infos.0.as_slice() {
        [one] => Ok(one.signature.as_bytes().to_vec()),
        _ => Err(malformed_cms()),
    }
}

/// The TimeStampReq for the signature of `cms` (SHA-256 of its signature value, a random
/// 64-bit nonce, certReq so the token carries the TSA's certificate).
pub fn timestamp_request(cms: &[u8]) -> Result<TimestampRequest, Error> {
    let imprint = Sha256::digest(signature_value(&signed_data(cms)?)?).to_vec();
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|_| {
        Error::Usage(crate::error::UsageError::InvalidArgument {
            what: "no randomness for the timestamp nonce",
        })
    })?;
    nonce[0] &= 0x7f;
    nonce[0] |= 0x01; // positive, eight bytes
    let enc = |_| malformed_cms();
    let req = TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: ID_SHA256,
                parameters: None,
            },
            hashed_message: OctetString::new(imprint.clone()).map_err(enc)?,
        },
        req_policy: None,
        nonce: Some(Uint::new(&nonce).map_err(enc)?),
        cert_req: true,
    };
    Ok(TimestampRequest {
        der: req.to_der().map_err(enc)?,
        imprint,
        nonce: nonce.to_vec(),
    })
}

/// The token's own signature (RFC 3161 §2.4.2: a SignedData by the TSA): one signer, found
/// among the token's certificates; its messageDigest is the digest of the TSTInfo; its
/// signature over the signed attributes verifies with that certificate's key. Integrity only:
/// whether the TSA is trusted is not decided here.
fn check_token_signature(signed: &SignedData) -> Result<(), Error> {
    use crate::verify::signed_document::{SignerProblem, single_signer};
    let (signer, cert) = single_signer(signed).map_err(|p| match p {
        SignerProblem::NotOne => bad_reply("token has not exactly one signer"),
        SignerProblem::ByKeyId => bad_reply("token signer identified by key id"),
        SignerProblem::CertificateMissing => bad_reply("token without the TSA's certificate"),
        SignerProblem::Certificate(e) => e,
    })?;
    let algorithm = match signer.digest_alg.oid.to_string().as_str() {
        "2.16.840.1.101.3.4.2.1" => crate::digest::DigestAlgorithm::Sha256,
        "2.16.840.1.101.3.4.2.2" => crate::digest::DigestAlgorithm::Sha384,
        "2.16.840.1.101.3.4.2.3" => crate::digest::DigestAlgorithm::Sha512,
        _ => return Err(bad_reply("token digest algorithm")),
    };
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or(bad_reply("token without signed attributes"))?;
    let digest: OctetString = attrs
        .iter()
        .find(|a| a.oid == crate::cms::ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.as_slice().first())
        .ok_or(bad_reply("token without messageDigest"))?
        .decode_as()
        .map_err(|_| bad_reply("token messageDigest"))?;
    let content = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or(bad_reply("token has no TSTInfo"))?
        .decode_as::<OctetString>()
        .map_err(|_| bad_reply("TSTInfo"))?;
    if digest.as_bytes() != algorithm.hash(content.as_bytes()).as_slice() {
        return Err(bad_reply("token messageDigest is not the TSTInfo's"));
    }
    let attrs_der = attrs.to_der().map_err(|_| bad_reply("token attributes"))?;
    crate::verify::verify_signature(
        &cert,
        crate::digest::SignInput::Data {
            algorithm,
            data: &attrs_der,
        },
        signer.signature.as_bytes(),
    )
    .map_err(|_| bad_reply("token signature"))
}

/// The TSTInfo of a token, checked against the signature value it must cover and signed by
/// the certificate it carries; its time.
pub(super) fn check_token(token: &ContentInfo, signature: &[u8]) -> Result<UnixTime, Error> {
    let (info, signed) = tst_info(token)?;
    check_token_signature(&signed)?;
    if info.message_imprint.hash_algorithm.oid != ID_SHA256
        || info.message_imprint.hashed_message.as_bytes() != Sha256::digest(signature).as_slice()
    {
        return Err(bad_reply("the token does not cover this signature"));
    }
    gen_time(&info.gen_time)
}

fn tst_info(token: &ContentInfo) -> Result<(TstInfo, SignedData), Error> {
    let signed: SignedData = token
        .content
        .decode_as()
        .map_err(|_| bad_reply("token is not SignedData"))?;
    if signed.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(bad_reply("token content is not TSTInfo"));
    }
    let content = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or(bad_reply("token has no TSTInfo"))?
        .decode_as::<OctetString>()
        .map_err(|_| bad_reply("TSTInfo is not an OCTET STRING"))?;
    let info = TstInfo::from_der(content.as_bytes()).map_err(|_| bad_reply("TSTInfo"))?;
    Ok((info, signed))
}

/// GeneralizedTime `YYYYMMDDHHMMSS[.fff]Z` to Unix seconds (fractions dropped).
fn gen_time(any: &Any) -> Result<UnixTime, Error> {
    if any.tag() != der::Tag::GeneralizedTime {
        return Err(bad_reply("genTime is not a GeneralizedTime"));
    }
    let v = any.value();
    if v.len() < 15 || v.last() != Some(&b'Z') || !v[..14].iter().all(u8::is_ascii_digit) {
        return Err(bad_reply("genTime"));
    }
    let mut whole = v[..14].to_vec();
    whole.push(b'Z');
    let t = GeneralizedTime::from_der(&[&[0x18, whole.len() as u8][..], &whole].concat())
        .map_err(|_| bad_reply("genTime"))?;
    Ok(UnixTime(t.to_unix_duration().as_secs()))
}

/// The TSA's reply added to `cms` as its signer's signatureTimeStampToken, after checking the
/// status (granted), the imprint and the nonce. Nothing the card signed changes.
pub fn add_timestamp(
    cms: &[u8],
    request: &TimestampRequest,
    reply: &[u8],
) -> Result<Vec<u8>, Error> {
    let resp = TimeStampResp::from_der(reply).map_err(|_| bad_reply("not a TimeStampResp"))?;
    if resp.status.status > 1 {
        return Err(bad_reply("the TSA refused the request"));
    }
    let token = resp.time_stamp_token.ok_or(bad_reply("no token"))?;
    let (info, signed) = tst_info(&token)?;
    check_token_signature(&signed)?;
    if info.message_imprint.hashed_message.as_bytes() != request.imprint.as_slice() {
        return Err(bad_reply("the token covers another imprint"));
    }
    if info.nonce.as_ref().map(|n| n.as_bytes()) != Some(request.nonce.as_slice()) {
        return Err(bad_reply("the token's nonce is not the request's"));
    }
    let mut signed = signed_data(cms)?;
    let enc = |_| malformed_cms();
    let mut signers: Vec<_> = signed.signer_infos.0.into_vec();
    let [signer] = signers.as_mut_slice() else {
        return Err(malformed_cms());
    };
    let mut values = SetOfVec::new();
    values
        .insert(Any::encode_from(&token).map_err(enc)?)
        .map_err(enc)?;
    let mut attrs = signer.unsigned_attrs.take().unwrap_or_default();
    attrs
        .insert(Attribute {
            oid: ID_SIGNATURE_TIMESTAMP,
            values,
        })
        .map_err(enc)?;
    signer.unsigned_attrs = Some(attrs);
    signed.signer_infos = SignerInfos(SetOfVec::try_from(signers).map_err(enc)?);
    ContentInfo {
        content_type: crate::cms::ID_SIGNED_DATA,
        content: Any::encode_from(&signed).map_err(enc)?,
    }
    .to_der()
    .map_err(enc)
}

/// For the verifier: `cms` with its signatureTimeStampToken taken out (the signed part is
/// unchanged), and the token's time after checking it covers the signature. Any other
/// unsigned attribute is left in place (the CMS verifier then refuses it).
pub(super) fn split_timestamp(cms: &[u8]) -> Result<(Vec<u8>, Option<UnixTime>), Error> {
    let info =
        ContentInfo::from_der(cms).map_err(|_| Error::Verify(VerifyError::SignatureInvalid))?;
    let Ok(mut signed) = info.content.decode_as::<SignedData>() else {
        return Ok((cms.to_vec(), None));
    };
    let mut signers: Vec<_> = signed.signer_infos.0.into_vec();
    let [signer] = signers.as_mut_slice() else {
        return Ok((cms.to_vec(), None));
    };
    let Some(attrs) = signer.unsigned_attrs.as_ref() else {
        return Ok((cms.to_vec(), None));
    };
    let [attr] = attrs.as_slice() else {
        return Ok((cms.to_vec(), None));
    };
    if attr.oid != ID_SIGNATURE_TIMESTAMP {
        return Ok((cms.to_vec(), None));
    }
    let [value] = attr.values.as_slice() else {
        return Err(bad_reply("several timestamp tokens in one attribute"));
    };
    let token: ContentInfo = value.decode_as().map_err(|_| bad_reply("token"))?;
    let time = check_token(&token, signer.signature.as_bytes())?;
    signer.unsigned_attrs = None;
    let bad = |_| Error::Verify(VerifyError::SignatureInvalid);
    signed.signer_infos = SignerInfos(SetOfVec::try_from(signers).map_err(bad)?);
    let stripped = ContentInfo {
        content_type: info.content_type,
        content: Any::encode_from(&signed).map_err(bad)?,
    }
    .to_der()
    .map_err(bad)?;
    Ok((stripped, Some(time)))
}
