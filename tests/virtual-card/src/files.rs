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
    /// A private key EF; usable for 80 2A after `pin` is verified.
    Key {
        key: Box<pki::CardKey>,
        pin: u16,
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

/// 入力補助AP / 券面AP EF 0004: `7F21 { 5F4E (AKI 16, SKI 16, key), 5F37 signature }`, 568
/// bytes. Self-issued by the test signer (the real issuer key is not public).
pub(crate) fn key_record_file(signer: &PrivateKey) -> Vec<u8> {
    let public = signer.to_public_key();
    let key = public_key_object(&public);
    let ski = &Sha256::digest(&key)[..16];
    let body = [ski, ski, &key].concat();
    let signature = sign_sha256(signer, &body);
    tlv(
        &[0x7F, 0x21],
        &[tlv(&[0x5F, 0x4E], &body), tlv(&[0x5F, 0x37], &signature)].concat(),
    )
}

/// 入力補助AP EF 0005: `FF40 { DF41 AP info, DF42 key id, DF43 128 bytes }`, 164 bytes in a
/// 256-byte EF (card-evidence §2, §3, §4).
fn assist_ap_info(signer: &PrivateKey) -> Vec<u8> {
    let key_id = &Sha256::digest(public_key_object(&signer.to_public_key()))[..16];
    let object = tlv(
        &[0xFF, 0x40],
        &[
            tlv(&[0xDF, 0x41], &[0x01, 0x03, 0x0E, 0x01]),
            tlv(&[0xDF, 0x42], key_id),
            tlv(&[0xDF, 0x43], &[0u8; 128]),
        ]
        .concat(),
    );
    padded(object, 256)
}

/// 券面事項確認AP EF 0002: `FF20 { DF21 offsets, DF22 birth, DF23 sex, DF24 key, DF25 name
/// PNG, DF26 address PNG, DF27 photo, DF28 signature, DF29 expiry, DF2A security-code PNG }`.
pub(crate) fn face_file(p: &Persona, signer: &PrivateKey) -> Vec<u8> {
    let (_, m, d) = p.birth_ymd().unwrap_or((2000, 1, 1));
    let expiry = format!("{:04}{:02}{:02}", p.expiry_year, m, d);
    // The photo: a JPEG 2000 signature box and file-type box, then an opaque codestream
    // stand-in of the recorded size (1854 bytes); not a decodable image.
    let mut photo = vec![
        0, 0, 0, 0x0C, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A,
    ];
    photo.extend_from_slice(&[
        0, 0, 0, 0x14, b'f', b't', b'y', b'p', b'j', b'p', b'2', b' ', 0, 0, 0, 0,
    ]);
    photo.extend_from_slice(b"jp2 ");
    photo.extend((0..1854 - photo.len()).map(|i| (i * 31 % 251) as u8));
    let public = public_key_object(&signer.to_public_key());
    let mut items = vec![
        tlv(&[0xDF, 0x22], p.birth_yyyymmdd().as_bytes()),
        tlv(&[0xDF, 0x23], &[p.card_sex_code()]),
        tlv(&[0xDF, 0x24], &public),
        tlv(&[0xDF, 0x25], &png(48, 10, 1)),
        tlv(&[0xDF, 0x26], &png(96, 14, 2)),
        tlv(&[0xDF, 0x27], &photo),
    ];
    // Signed range: unconfirmed (card.md §9); here DF22..DF27 and DF29..DF2A TLVs.
    let tail = [
        tlv(&[0xDF, 0x29], expiry.as_bytes()),
        tlv(&[0xDF, 0x2A], &png(24, 8, 3)),
    ];
    let signed = [items.concat(), tail.concat()].concat();
    items.push(tlv(&[0xDF, 0x28], &sign_sha256(signer, &signed)));
    items.extend(tail);
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

/// Builds every EF of `p`'s card.
pub(crate) fn build(p: &Persona) -> FileSystem {
    let certs = pki::persona(&p.id).unwrap_or_else(|| pki::persona("taro").expect("taro exists"));
    let assist_signer = pki::assist_signer();
    let surface_signer = pki::surface_signer();
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
            key: Box::new(pki::card_key(certs.auth_key)),
            pin: 0x0018,
        },
    );
    put(
        App::Jpki,
        0x001A,
        Node::Key {
            key: Box::new(pki::card_key(certs.sign_key)),
            pin: 0x001B,
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
    put(App::Assist, 0x0004, always(key_record_file(&assist_signer)));
    put(App::Assist, 0x0005, always(assist_ap_info(&assist_signer)));
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

    // 券面事項確認AP.
    put(
        App::Surface,
        0x0002,
        Node::Binary {
            data: face_file(p, &surface_signer),
            access: Access::AnyPin(vec![0x0013, 0x0012]),
        },
    );
    put(
        App::Surface,
        0x0004,
        always(key_record_file(&surface_signer)),
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
        assert_eq!(key_record_file(&signer).len(), 568);
        let info = assist_ap_info(&signer);
        assert_eq!(
            (info.len(), &info[..5]),
            (256, &[0xFF, 0x40, 0x82, 0x00, 0x9F][..])
        );
        assert_eq!(public_key_object(&signer.to_public_key()).len(), 265);
    }
}
