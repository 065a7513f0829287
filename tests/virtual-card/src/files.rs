//! The card's file system, built from a persona and the test PKI: every EF of the three
//! applications with the contents, sizes and access rules of docs/card-notes.md.

use std::collections::BTreeMap;

use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::traits::PublicKeyParts;
use rsa::{PrivateKey, PublicKey};
use sha2::{Digest, Sha256};

use crate::encode::{png, tlv};
use crate::persona::Persona;
use crate::pki;

/// The card's applications, by AID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum App {
    /// 公的個人認証AP.
    Jpki,
    /// 券面事項入力補助AP.
    Assist,
    /// 券面事項確認AP.
    Surface,
    /// 住基AP (role unconfirmed; selectable, holds no files here).
    Juki,
    /// The card manager (ISD); selecting it clears verified PINs (card-evidence §7).
    Isd,
}

impl App {
    pub const ALL: [App; 5] = [App::Jpki, App::Assist, App::Surface, App::Juki, App::Isd];

    pub fn aid(self) -> &'static [u8] {
        match self {
            App::Jpki => &[0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01],
            App::Assist => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08],
            App::Surface => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02],
            App::Juki => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00],
            App::Isd => &[0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00],
        }
    }
}

/// Who may read a binary EF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    Always,
    /// After any one of these PIN EFs (of the same AP) was verified.
    AnyPin(Vec<u16>),
}

/// A PIN EF: the reference value and its retry counter.
#[derive(Clone)]
pub(crate) struct PinEf {
    pub value: Vec<u8>,
    pub tries: u8,
    pub max: u8,
}

impl Drop for PinEf {
    fn drop(&mut self) {
        self.value.iter_mut().for_each(|b| *b = 0);
    }
}

pub(crate) enum Node {
    Binary {
        data: Vec<u8>,
        access: Access,
    },
    Pin(PinEf),
    /// A private key EF; usable for 80 2A after `pin` is verified, or with no credential
    /// (`None`: the 券面事項確認AP's card key).
    Key {
        key: Box<pki::CardKey>,
        pin: Option<u16>,
    },
    /// An internal EF the card never lets out (READ → 6981).
    Internal,
}

pub(crate) type FileSystem = BTreeMap<(App, u16), Node>;

/// Tries of 照合番号A/B and the birth key: unconfirmed (card.md §6); 10 chosen and recorded
/// in docs/card-notes.md.
pub(crate) const CARD_NUMBER_TRIES: u8 = 10;

fn pin(value: &str, tries: u8, max: u8) -> Node {
    Node::Pin(PinEf {
        value: value.as_bytes().to_vec(),
        tries: tries.min(max),
        max,
    })
}

/// Pads an EF with FF filler to a multiple of `block` (physical EF sizes: card-notes).
fn padded(mut object: Vec<u8>, block: usize) -> Vec<u8> {
    let size = object.len().div_ceil(block) * block;
    object.resize(size, 0xFF);
    object
}

fn sign_sha256(key: &PrivateKey, data: &[u8]) -> Vec<u8> {
    let digest = Sha256::digest(data);
    key.sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
        .expect("RSA-2048 signs a SHA-256 digest")
}

/// `90 03 <e> 91 82 01 00 <n>`: the public key form of 入力補助AP EF 0004 (tag numbers 16, 17;
/// card.md §7), 265 bytes for RSA-2048.
pub(crate) fn public_key_object(key: &PublicKey) -> Vec<u8> {
    [tlv(&[0x90], &key.e_bytes()), tlv(&[0x91], &key.n_bytes())].concat()
}

/// 基本4情報 EF: `FF20 { DF21 offsets, DF22 name, DF23 address, DF24 birth, DF25 sex }`, the
/// offsets pointing at each tag from the start of the file (card-evidence §4).
pub(crate) fn four_info_file(p: &Persona) -> Vec<u8> {
    let items = [
        tlv(&[0xDF, 0x22], p.name.as_bytes()),
        tlv(&[0xDF, 0x23], p.address.as_bytes()),
        tlv(&[0xDF, 0x24], p.birth_yyyymmdd().as_bytes()),
        tlv(&[0xDF, 0x25], &[p.card_sex_code()]),
    ];
    let inner_len = 3 + 8 + items.iter().map(Vec::len).sum::<usize>();
    let header = 2 + crate::encode::len(inner_len).len();
    let mut offsets = Vec::new();
    let mut at = header + 3 + 8;
    for item in &items {
        offsets.extend_from_slice(&(at as u16).to_be_bytes());
        at += item.len();
    }
    let inner = [tlv(&[0xDF, 0x21], &offsets), items.concat()].concat();
    tlv(&[0xFF, 0x20], &inner)
}

/// My Number EF: `FF 10 0C` + 12 ASCII digits + `FF FF`, 17 bytes (card-evidence §3).
pub(crate) fn my_number_file(p: &Persona) -> Vec<u8> {
    let mut f = tlv(&[0xFF, 0x10], p.my_number.as_bytes());
    f.extend_from_slice(&[0xFF, 0xFF]);
    f
}

/// 入力補助AP EF 0003: `FF30 { DF31 sha256(My Number EF), DF32 sha256(4情報 from DF22),
/// DF33 SHA256withRSA over the DF31 and DF32 TLVs }`, 336 bytes.
pub(crate) fn integrity_file(my_number: &[u8], four_info: &[u8], signer: &PrivateKey) -> Vec<u8> {
    // The hashed range of 4情報 starts at DF22, whose offset DF21 gives.
    let header = if four_info[2] == 0x82 { 5 } else { 3 };
    let df22 = usize::from(u16::from_be_bytes([
        four_info[header + 3],
        four_info[header + 4],
    ]));
    let hashes = [
        tlv(&[0xDF, 0x31], &Sha256::digest(my_number)),
        tlv(&[0xDF, 0x32], &Sha256::digest(&four_info[df22..])),
    ]
    .concat();
    let signature = sign_sha256(signer, &hashes);
    tlv(
        &[0xFF, 0x30],
        &[hashes, tlv(&[0xDF, 0x33], &signature)].concat(),
    )
}

/// A 16-byte key id as the key records name keys (soltia48/myna-card `src/data.rs` `KeyId`, read
/// off a card): 7 ASCII digits (the key number), `08 05`, 3 ASCII digits (the group), 4 bytes of
/// padding.
pub(crate) fn key_id(number: &str, group: &str) -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..7].copy_from_slice(&number.as_bytes()[..7]);
    id[7..9].copy_from_slice(&[0x08, 0x05]);
    id[9..12].copy_from_slice(&group.as_bytes()[..3]);
    id
}

/// 入力補助AP / 券面AP EF 0004, the key record (a card-verifiable certificate): `7F21 { 5F4E
/// (証明者鍵ID 16, 被証明者鍵ID 16, 90 e, 91 n), 5F37 SHA256withRSA over the 5F4E value }`, 568
/// bytes (card-evidence §3; soltia48/myna-card `src/data.rs` `CardVerifiableCertificate`,
/// verified there on a card's file). `issuer` signs, as J-LIS does with a key that is not on the
/// card; `subject` is the key certified, the one that signs the AP's data.
pub(crate) fn key_record_file(
    subject: &PrivateKey,
    subject_id: [u8; 16],
    issuer: &PrivateKey,
    issuer_id: [u8; 16],
) -> Vec<u8> {
    let key = public_key_object(&subject.to_public_key());
    let body = [&issuer_id[..], &subject_id[..], &key].concat();
    let signature = sign_sha256(issuer, &body);
    tlv(
        &[0x7F, 0x21],
        &[tlv(&[0x5F, 0x4E], &body), tlv(&[0x5F, 0x37], &signature)].concat(),
    )
}

/// Key ids of the test hierarchy's record issuers (the real test card names 6000023 for the
/// 券面事項確認AP and 6000033 for the 入力補助AP; production 5000023 / 5000033).
pub(crate) const SURFACE_RECORD_ISSUER: (&str, &str) = ("6000023", "001");
pub(crate) const ASSIST_RECORD_ISSUER: (&str, &str) = ("6000033", "001");
/// Key ids of the keys the records certify (invented; a municipality's on real cards).
pub(crate) const SURFACE_SIGNER_ID: (&str, &str) = ("1310100", "001");
pub(crate) const ASSIST_SIGNER_ID: (&str, &str) = ("1310100", "002");

/// 入力補助AP EF 0005: `FF40 { DF41 AP info, DF42 key id, DF43 128 bytes }`, 164 bytes in a
/// 256-byte EF (card-evidence §2, §3, §4).
fn assist_ap_info() -> Vec<u8> {
    let key_id = key_id(ASSIST_SIGNER_ID.0, ASSIST_SIGNER_ID.1);
    let object = tlv(
        &[0xFF, 0x40],
        &[
            tlv(&[0xDF, 0x41], &[0x01, 0x03, 0x0E, 0x01]),
            tlv(&[0xDF, 0x42], &key_id),
            tlv(&[0xDF, 0x43], &[0u8; 128]),
        ]
        .concat(),
    );
    padded(object, 256)
}

/// The DigestInfo of the 券面 face signature: SHA-256's AlgorithmIdentifier around three
/// concatenated SHA-256 digests (96 bytes), as soltia48/myna-card `sha256_digest_info` builds it
/// and checks it against a real card's EF 0002.
pub(crate) fn face_digest_info(groups: [&[u8]; 3]) -> Vec<u8> {
    let digests: Vec<u8> = groups.iter().flat_map(Sha256::digest).collect();
    let algorithm = [
        0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
    ];
    let inner = [&algorithm[..], &[0x04, 96], &digests].concat();
    [&[0x30, inner.len() as u8][..], &inner].concat()
}

/// The 券面 photo: a real JPEG 2000 (JP2) file, 90x120, 2038 bytes, encoded by OpenJPEG's
/// `opj_compress` from a drawn silhouette (`photo/make-photo.sh`), so decoders run on it as on
/// a card's photo.
fn photo() -> Vec<u8> {
    include_bytes!("../photo/photo.jp2").to_vec()
}

/// 券面事項確認AP EF 0002: `FF20 { DF21 offsets, DF22 birth, DF23 sex, DF24 card key, DF25 name
/// PNG, DF26 address PNG, DF27 photo, DF28 signature, DF29 expiry, DF2A security-code PNG }`,
/// DF21 listing the offset of each later tag from the start of the file. DF28 is the signer's
/// PKCS#1 v1.5 signature over [`face_digest_info`] of three separately hashed groups of TLVs:
/// [DF22 DF23 DF24] [DF25 DF26] [DF27]; DF29 and DF2A come after it, unsigned
/// (soltia48/myna-card `src/ap/surface.rs` `CardFace::verify`, checked against a real card's file).
/// DF24 is the card's own key, not the signer's.
pub(crate) fn face_file(p: &Persona, signer: &PrivateKey, card_key: &PublicKey) -> Vec<u8> {
    let (_, m, d) = p.birth_ymd().unwrap_or((2000, 1, 1));
    let expiry = format!("{:04}{:02}{:02}", p.expiry_year, m, d);
    let mut items = vec![
        tlv(&[0xDF, 0x22], p.birth_yyyymmdd().as_bytes()),
        tlv(&[0xDF, 0x23], &[p.card_sex_code()]),
        tlv(&[0xDF, 0x24], &public_key_object(card_key)),
        tlv(&[0xDF, 0x25], &png(48, 10, 1)),
        tlv(&[0xDF, 0x26], &png(96, 14, 2)),
        tlv(&[0xDF, 0x27], &photo()),
    ];
    let info = face_digest_info([&items[0..3].concat(), &items[3..5].concat(), &items[5]]);
    let signature = signer
        .sign(Pkcs1v15Sign::new_unprefixed(), &info)
        .expect("RSA-2048 signs a 115-byte DigestInfo");
    items.push(tlv(&[0xDF, 0x28], &signature));
    items.push(tlv(&[0xDF, 0x29], expiry.as_bytes()));
    items.push(tlv(&[0xDF, 0x2A], &png(24, 8, 3)));
    let offsets_len = 2 * items.len();
    let inner_len = 3 + offsets_len + items.iter().map(Vec::len).sum::<usize>();
    let mut at = 2 + crate::encode::len(inner_len).len() + 3 + offsets_len;
    let mut offsets = Vec::new();
    for item in &items {
        offsets.extend_from_slice(&(at as u16).to_be_bytes());
        at += item.len();
    }
    tlv(
        &[0xFF, 0x20],
        &[tlv(&[0xDF, 0x21], &offsets), items.concat()].concat(),
    )
}

/// 券面事項確認AP EF 0001, the age record: `FF10 { DF11 birth YYYYMMDD, DF12 card key, DF13
/// SHA256withRSA over the DF11 and DF12 TLVs }`; opened by the birth-date key 0011 only
/// (soltia48/myna-card `AgeRecord`, checked against a card's file; 547 B there).
pub(crate) fn age_record_file(p: &Persona, signer: &PrivateKey, card_key: &PublicKey) -> Vec<u8> {
    let signed = [
        tlv(&[0xDF, 0x11], p.birth_yyyymmdd().as_bytes()),
        tlv(&[0xDF, 0x12], &public_key_object(card_key)),
    ]
    .concat();
    let signature = sign_sha256(signer, &signed);
    tlv(
        &[0xFF, 0x10],
        &[signed, tlv(&[0xDF, 0x13], &signature)].concat(),
    )
}

/// 券面事項確認AP EF 0003, AP basic data: `FF30 { DF31 06 03 0E 01, DF32 key id, DF33 version,
/// DF34 municipality code, DF35 key id + 256 opaque bytes }`, 320 bytes, readable with no
/// credential (soltia48/myna-card `ApBasicData`; card-evidence §2 for DF31; jpki/myna
/// `src/visual.rs` reads it with no PIN).
pub(crate) fn surface_ap_info() -> Vec<u8> {
    let opaque: Vec<u8> = (0..256u32).map(|i| (i * 73 % 251) as u8).collect();
    tlv(
        &[0xFF, 0x30],
        &[
            tlv(&[0xDF, 0x31], &[0x06, 0x03, 0x0E, 0x01]),
            tlv(&[0xDF, 0x32], &key_id("6000024", "001")),
            tlv(&[0xDF, 0x33], &[0x00]),
            tlv(&[0xDF, 0x34], b"13101"),
            tlv(
                &[0xDF, 0x35],
                &[&key_id("5900025", "001")[..], &opaque].concat(),
            ),
        ]
        .concat(),
    )
}

/// 券面事項確認AP EF 0005, the My Number image: `FF40 { DF41 PNG, DF42 card key, DF43
/// SHA256withRSA over the DF41 and DF42 TLVs }`; opened by 照合番号A only (soltia48/myna-card
/// `MyNumberImage`, checked against a card's file; 686 B there).
pub(crate) fn my_number_image_file(signer: &PrivateKey, card_key: &PublicKey) -> Vec<u8> {
    let signed = [
        tlv(&[0xDF, 0x41], &png(72, 12, 4)),
        tlv(&[0xDF, 0x42], &public_key_object(card_key)),
    ]
    .concat();
    let signature = sign_sha256(signer, &signed);
    tlv(
        &[0xFF, 0x40],
        &[signed, tlv(&[0xDF, 0x43], &signature)].concat(),
    )
}

/// Builds every EF of `p`'s card.
pub(crate) fn build(p: &Persona) -> FileSystem {
    let certs = pki::persona(&p.id).unwrap_or_else(|| pki::persona("taro").expect("taro exists"));
    let assist_signer = pki::assist_signer();
    let surface_signer = pki::surface_signer();
    let card_key = pki::surface_card_key();
    let card_public = card_key.to_public_key();
    // A forged card: the files name the genuine keys, the card signs with another card's.
    let other = pki::persona("hanako").expect("hanako exists");
    let (card_key, auth_key, sign_key) = if p.forged_keys {
        let pki::CardKey::Rsa(other_card) = pki::card_key(other.auth_key) else {
            unreachable!("hanako's keys are RSA")
        };
        (other_card, other.sign_key, other.auth_key)
    } else {
        (card_key, certs.auth_key, certs.sign_key)
    };
    let record_ca = pki::record_ca_key();
    let mut fs = FileSystem::new();
    let mut put = |app, fid, node| {
        fs.insert((app, fid), node);
    };
    let always = |data| Node::Binary {
        data,
        access: Access::Always,
    };

    // 公的個人認証AP. Certificate EFs hold the DER then FF filler to a 256-byte boundary.
    let mut token = p.token.as_bytes().to_vec();
    token.resize(160, b' ');
    put(App::Jpki, 0x0006, always(token));
    put(App::Jpki, 0x0008, always(vec![0x8F, 0x8F, 0x00]));
    let auth_cert_access = if p.token == "JPKIAPGPSETOKEN" {
        Access::AnyPin(vec![0x0018])
    } else {
        Access::Always
    };
    put(
        App::Jpki,
        0x000A,
        Node::Binary {
            data: padded(certs.auth_cert.to_vec(), 256),
            access: auth_cert_access,
        },
    );
    put(
        App::Jpki,
        0x000B,
        always(padded(certs.auth_ca.to_vec(), 256)),
    );
    put(
        App::Jpki,
        0x0001,
        Node::Binary {
            data: padded(certs.sign_cert.to_vec(), 256),
            access: Access::AnyPin(vec![0x001B]),
        },
    );
    put(
        App::Jpki,
        0x0002,
        always(padded(certs.sign_ca.to_vec(), 256)),
    );
    put(
        App::Jpki,
        0x0017,
        Node::Key {
            key: Box::new(pki::card_key(auth_key)),
            pin: Some(0x0018),
        },
    );
    put(
        App::Jpki,
        0x001A,
        Node::Key {
            key: Box::new(pki::card_key(sign_key)),
            pin: Some(0x001B),
        },
    );
    put(App::Jpki, 0x0018, pin(&p.auth_pin, p.auth_tries, 3));
    put(App::Jpki, 0x001B, pin(&p.sign_pin, p.sign_tries, 5));
    put(App::Jpki, 0x001E, Node::Internal);

    // 券面事項入力補助AP.
    let my_number = my_number_file(p);
    let four_info = four_info_file(p);
    // The PIN opens both data files; 照合番号A opens only the My Number (0001), 照合番号B only
    // 4情報 (0002) (soltia48/myna-card `src/ap/text.rs`, tested on cards). The integrity
    // file follows either (unconfirmed; persona `ken` keeps it closed to 照合番号B).
    let with_pin = if p.integrity_closed_to_card_number_b {
        Access::AnyPin(vec![0x0011, 0x0014])
    } else {
        Access::AnyPin(vec![0x0011, 0x0014, 0x0015])
    };
    put(
        App::Assist,
        0x0003,
        Node::Binary {
            data: integrity_file(&my_number, &four_info, &assist_signer),
            access: with_pin,
        },
    );
    put(
        App::Assist,
        0x0001,
        Node::Binary {
            data: my_number,
            access: Access::AnyPin(vec![0x0011, 0x0014]),
        },
    );
    put(
        App::Assist,
        0x0002,
        Node::Binary {
            data: four_info,
            access: Access::AnyPin(vec![0x0011, 0x0015]),
        },
    );
    put(
        App::Assist,
        0x0004,
        always(key_record_file(
            &assist_signer,
            key_id(ASSIST_SIGNER_ID.0, ASSIST_SIGNER_ID.1),
            &record_ca,
            key_id(ASSIST_RECORD_ISSUER.0, ASSIST_RECORD_ISSUER.1),
        )),
    );
    put(App::Assist, 0x0005, always(assist_ap_info()));
    put(App::Assist, 0x0011, pin(&p.assist_pin, p.assist_tries, 3));
    // Blocked when issued (card-evidence §1, §8).
    put(App::Assist, 0x0012, pin("", 0, 3));
    put(
        App::Assist,
        0x0014,
        pin(&p.card_number_a(), CARD_NUMBER_TRIES, CARD_NUMBER_TRIES),
    );
    put(
        App::Assist,
        0x0015,
        pin(&p.card_number_b(), CARD_NUMBER_TRIES, CARD_NUMBER_TRIES),
    );

    // 券面事項確認AP. What each key opens was measured by soltia48/myna-card
    // (`src/ap/surface.rs`): 照合番号A (0013) 0002–0006, 照合番号B (0012) the same without 0005,
    // the birth-date key (0011) only 0001; 0003 and 0004 open with nothing presented.
    put(
        App::Surface,
        0x0001,
        Node::Binary {
            data: age_record_file(p, &surface_signer, &card_public),
            access: Access::AnyPin(vec![0x0011]),
        },
    );
    put(
        App::Surface,
        0x0002,
        Node::Binary {
            data: face_file(p, &surface_signer, &card_public),
            access: Access::AnyPin(vec![0x0013, 0x0012]),
        },
    );
    put(App::Surface, 0x0003, always(surface_ap_info()));
    put(
        App::Surface,
        0x0004,
        always(key_record_file(
            &surface_signer,
            key_id(SURFACE_SIGNER_ID.0, SURFACE_SIGNER_ID.1),
            &record_ca,
            key_id(SURFACE_RECORD_ISSUER.0, SURFACE_RECORD_ISSUER.1),
        )),
    );
    put(
        App::Surface,
        0x0005,
        Node::Binary {
            data: my_number_image_file(&surface_signer, &card_public),
            access: Access::AnyPin(vec![0x0013]),
        },
    );
    // The card key: `80 2A 00 00` (the AP's default key) signs with it, no credential
    // (soltia48/myna-card `SurfaceAp::sign`); jsapdu lists an EF 001A in this AP.
    put(
        App::Surface,
        0x001A,
        Node::Key {
            key: Box::new(pki::CardKey::Rsa(card_key)),
            pin: None,
        },
    );
    put(
        App::Surface,
        0x0011,
        pin(&p.birth_era_yymmdd(), CARD_NUMBER_TRIES, CARD_NUMBER_TRIES),
    );
    put(
        App::Surface,
        0x0012,
        pin(&p.card_number_b(), CARD_NUMBER_TRIES, CARD_NUMBER_TRIES),
    );
    put(
        App::Surface,
        0x0013,
        pin(&p.card_number_a(), CARD_NUMBER_TRIES, CARD_NUMBER_TRIES),
    );
    fs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_layouts() {
        let taro = Persona::builtin("taro").unwrap();
        let hanako = Persona::builtin("hanako").unwrap();
        // Short 4情報: one length byte, DF22 at offset 14 as on the recorded card.
        let f = four_info_file(&hanako);
        assert!(f.len() < 131);
        assert_eq!(&f[..2], [0xFF, 0x20]);
        assert_eq!(&f[3..7], [0xDF, 0x21, 0x08, 0x00]);
        assert_eq!(f[7], 0x0E);
        assert_eq!(&f[14..16], [0xDF, 0x22]);
        // Long address: FF 20 82 HH LL and DF22 at 16.
        let f = four_info_file(&taro);
        assert_eq!(&f[..3], [0xFF, 0x20, 0x82]);
        assert_eq!(&f[16..18], [0xDF, 0x22]);
        let mn = my_number_file(&taro);
        assert_eq!(mn.len(), 17);
        assert_eq!(&mn[15..], [0xFF, 0xFF]);
        let signer = pki::assist_signer();
        assert_eq!(integrity_file(&mn, &f, &signer).len(), 336);
        let ca = pki::record_ca_key();
        let record = key_record_file(
            &signer,
            key_id("1310100", "002"),
            &ca,
            key_id("6000033", "001"),
        );
        assert_eq!(record.len(), 568);
        assert_eq!(
            &record[..9],
            [0x7F, 0x21, 0x82, 0x02, 0x33, 0x5F, 0x4E, 0x82, 0x01]
        );
        // Two ASCII key ids (7 digits, 08 05, 3 digits, padding), then the key.
        assert_eq!(&record[10..26], b"6000033\x08\x05001\0\0\0\0");
        assert_eq!(&record[26..42], b"1310100\x08\x05002\0\0\0\0");
        let info = assist_ap_info();
        assert_eq!(
            (info.len(), &info[..5]),
            (256, &[0xFF, 0x40, 0x82, 0x00, 0x9F][..])
        );
        assert_eq!(public_key_object(&signer.to_public_key()).len(), 265);
    }

    /// The 券面 files as the card writes them: DF28 verifies over the three groups with the key
    /// the key record certifies, and not over one range; DF24 is the card key.
    #[test]
    fn surface_files_sign_three_groups() {
        let taro = Persona::builtin("taro").unwrap();
        let signer = pki::surface_signer();
        let card = pki::surface_card_key().to_public_key();
        let face = face_file(&taro, &signer, &card);
        assert_eq!(&face[..3], [0xFF, 0x20, 0x82]);
        // Walk the TLVs after DF21 (all tags two bytes, lengths 1 or 82 HH LL).
        let mut at = 5;
        let mut tlvs = Vec::new();
        while at < face.len() {
            let (len, header) = if face[at + 2] == 0x82 {
                (
                    usize::from(u16::from_be_bytes([face[at + 3], face[at + 4]])),
                    5,
                )
            } else {
                (usize::from(face[at + 2]), 3)
            };
            tlvs.push((
                &face[at..at + 2],
                at,
                &face[at..at + header + len],
                &face[at + header..at + header + len],
            ));
            at += header + len;
        }
        let tags: Vec<u8> = tlvs.iter().map(|t| t.0[1]).collect();
        assert_eq!(
            tags,
            [0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A]
        );
        // DF21: the offset of each later tag from the start of the file.
        let offsets: Vec<usize> = tlvs[0]
            .3
            .chunks(2)
            .map(|c| usize::from(u16::from_be_bytes([c[0], c[1]])))
            .collect();
        assert_eq!(offsets, tlvs[1..].iter().map(|t| t.1).collect::<Vec<_>>());
        let all = |r: std::ops::Range<usize>| {
            tlvs[r]
                .iter()
                .flat_map(|t| t.2.iter().copied())
                .collect::<Vec<u8>>()
        };
        let info = face_digest_info([&all(1..4), &all(4..6), &all(6..7)]);
        assert_eq!(&info[..2], [0x30, 0x71]);
        assert_eq!(info.len(), 115);
        let signature = tlvs[7].3;
        signer
            .to_public_key()
            .verify(Pkcs1v15Sign::new_unprefixed(), &info, signature)
            .unwrap();
        // One range over DF22..DF27 + DF29..DF2A (the old layout) does not verify.
        let one = [all(1..7), all(8..10)].concat();
        assert!(
            signer
                .to_public_key()
                .verify(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(&one),
                    signature
                )
                .is_err()
        );
        assert_eq!(tlvs[3].3, public_key_object(&card));
        assert_ne!(tlvs[3].3, public_key_object(&signer.to_public_key()));
        // The other files: sizes of the recorded card where the content is fixed.
        assert_eq!(surface_ap_info().len(), 320);
        let age = age_record_file(&taro, &signer, &card);
        assert_eq!(&age[..2], [0xFF, 0x10]);
        assert_eq!(&age[5..16], b"\xDF\x11\x0819800217");
        let image = my_number_image_file(&signer, &card);
        assert_eq!(&image[..2], [0xFF, 0x40]);
    }
}
