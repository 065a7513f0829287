//! 顔写真: the card's photo (券面 EF 0002 DF27) is JPEG 2000, which browsers do not show. This
//! decodes it in pure Rust (hayro-jpeg2000) and writes PNG, for the native faces and for a
//! server that shows it to a browser (the portal's 窓口 page does; the wasm card module does
//! not carry a decoder: feature `photo`, off by default).

use crate::error::{CardError, Error};

/// The largest photo decoded (a card's is about 300x400; anything far larger is not a card's and
/// would only cost memory).
pub const MAX_SIDE: u32 = 2048;

/// The photo as PNG.
#[derive(Clone, PartialEq, Eq)]
pub struct PhotoPng {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The PNG file.
    pub png: Vec<u8>,
}

impl core::fmt::Debug for PhotoPng {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PhotoPng")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

fn bad(what: &'static str) -> Error {
    Error::Card(CardError::MalformedResponse { what })
}

/// Decodes a JPEG 2000 photo (JP2 file or raw codestream) to PNG. Anything that does not decode
/// to a gray or RGB image of at most [`MAX_SIDE`] a side is `MALFORMED_RESPONSE`; never a panic
/// (the decoder runs under `catch_unwind`, as a second guard).
pub fn jpeg2000_to_png(jp2: &[u8]) -> Result<PhotoPng, Error> {
    std::panic::catch_unwind(|| decode(jp2))
        .unwrap_or(Err(bad("the photo is not a decodable JPEG 2000 image")))
}

fn decode(jp2: &[u8]) -> Result<PhotoPng, Error> {
    use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};
    let not_jp2 = || bad("the photo is not a decodable JPEG 2000 image");
    let image = Image::new(jp2, &DecodeSettings::default()).map_err(|_| not_jp2())?;
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(bad("the photo's size is not a card photo's"));
    }
    let channels = image.color_space().num_channels();
    let alpha = image.has_alpha();
    let color = match (image.color_space(), channels, alpha) {
        (ColorSpace::Gray, 1, false) => png::ColorType::Grayscale,
        (ColorSpace::Gray, 1, true) => png::ColorType::GrayscaleAlpha,
        (ColorSpace::RGB | ColorSpace::Icc { .. }, 3, false) => png::ColorType::Rgb,
        (ColorSpace::RGB | ColorSpace::Icc { .. }, 3, true) => png::ColorType::Rgba,
        _ => return Err(bad("the photo is neither gray nor RGB")),
    };
    let mut context = DecoderContext::default();
    let decoded = image.decode(&mut context).map_err(|_| not_jp2())?;
    let pixels = decoded.data_u8();
    let expected = width as usize * height as usize * (usize::from(channels) + usize::from(alpha));
    if pixels.len() != expected {
        return Err(not_jp2());
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    let written = encoder
        .write_header()
        .and_then(|mut w| w.write_image_data(&pixels).and_then(|()| w.finish()));
    written.map_err(|_| bad("the photo could not be written as PNG"))?;
    Ok(PhotoPng {
        width,
        height,
        png: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The virtual card's photo: a real JP2 made by OpenJPEG's opj_compress (a third-party
    /// encoder), `tests/virtual-card/photo/make-photo.sh`.
    const PHOTO: &[u8] = include_bytes!("../../tests/virtual-card/photo/photo.jp2");

    #[test]
    fn an_openjpeg_photo_decodes_to_a_png_of_its_size_and_colours() {
        let p = jpeg2000_to_png(PHOTO).unwrap();
        assert_eq!((p.width, p.height), (90, 120));
        assert!(p.png.starts_with(b"\x89PNG\r\n\x1a\n"));
        // Read it back with the png decoder: the face colour at the centre, the dark suit below.
        let decoder = png::Decoder::new(std::io::Cursor::new(&p.png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        let px = |x: usize, y: usize| &buf[(y * 90 + x) * 3..(y * 90 + x) * 3 + 3];
        let near = |a: &[u8], b: [u8; 3]| a.iter().zip(b).all(|(&x, y)| x.abs_diff(y) < 24);
        assert!(near(px(45, 55), [235, 200, 170]), "face {:?}", px(45, 55));
        assert!(near(px(45, 110), [30, 45, 90]), "suit {:?}", px(45, 110));
        assert!(near(px(3, 3), [200, 210, 225]), "background {:?}", px(3, 3));
    }

    #[test]
    fn anything_else_is_a_typed_error_never_a_panic() {
        assert_eq!(
            jpeg2000_to_png(b"").unwrap_err().code(),
            "MALFORMED_RESPONSE"
        );
        assert_eq!(
            jpeg2000_to_png(b"\x89PNG\r\n\x1a\n").unwrap_err().code(),
            "MALFORMED_RESPONSE"
        );
        for cut in (0..PHOTO.len()).step_by(37) {
            let _ = jpeg2000_to_png(&PHOTO[..cut]);
        }
        for i in (0..PHOTO.len()).step_by(11) {
            let mut b = PHOTO.to_vec();
            b[i] ^= 0xFF;
            let _ = jpeg2000_to_png(&b);
        }
    }
}
