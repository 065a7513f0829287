//! Card-side encoders: BER-TLV as the card writes it, and small real PNG images for the
//! 券面事項確認AP. Independent of the SDK's parser on purpose.

/// One TLV, lengths as the card writes them: one byte below 128, else `82 HH LL` even under
/// 256, never `81` (card-evidence §4).
pub(crate) fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 3 + value.len());
    out.extend_from_slice(tag);
    out.extend_from_slice(&len(value.len()));
    out.extend_from_slice(value);
    out
}

pub(crate) fn len(n: usize) -> Vec<u8> {
    if n < 128 {
        vec![n as u8]
    } else {
        let n = u16::try_from(n).expect("card objects are below 64 KiB");
        vec![0x82, (n >> 8) as u8, n as u8]
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A valid 8-bit greyscale PNG, `width`×`height`, with a pattern derived from `seed`
/// (zlib stored blocks: no compressor needed, any viewer opens it).
pub(crate) fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let ink = ((x / 3 + y / 2 + u32::from(seed)) % 7 == 0) || y == height / 2;
            raw.push(if ink { 0x20 } else { 0xF0 });
        }
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let n = block.len() as u16;
        z.extend_from_slice(&n.to_le_bytes());
        z.extend_from_slice(&(!n).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_follow_the_card() {
        assert_eq!(len(0x7F), [0x7F]);
        assert_eq!(len(0x80), [0x82, 0x00, 0x80]);
        assert_eq!(len(0x9F), [0x82, 0x00, 0x9F]);
        assert_eq!(len(0x0BF9), [0x82, 0x0B, 0xF9]);
    }

    #[test]
    fn png_checksums() {
        // Known CRC-32 and Adler-32 vectors.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        let p = png(10, 4, 1);
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        assert!(p.ends_with(&[0xAE, 0x42, 0x60, 0x82]));
    }
}
