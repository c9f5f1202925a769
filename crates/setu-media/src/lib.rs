//! Photos and documents attached to records (issue 16, point 12: a survivor's case, a
//! missing-person report). A photo taken on a phone carries where it was taken and with what
//! camera: a survivor's photo must not say where she lives now. So every photo is decoded,
//! turned upright by its EXIF orientation, scaled to at most [`MAX_SIDE`] pixels on its long
//! side, and encoded again from the pixels alone, which leaves every metadata block behind
//! (EXIF, GPS, XMP, ICC, comments). A thumbnail of [`THUMB_SIDE`] pixels is made with it.
//! PDF documents are kept as they are (checked to be PDF). Anything else is refused with a
//! reason the page words in the reader's language.
//!
//! Pure: bytes in, bytes out; no I/O. Kept in its own crate so that the image codecs stay out
//! of the edit-compile loop of the crates that change every day.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The largest file accepted, in bytes (a phone's photo is 2–6 MB).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// A photo is kept at most this many pixels on its long side: enough to recognise a face and
/// read a document, small enough to keep thousands.
pub const MAX_SIDE: u32 = 1600;

/// Thumbnails' long side, in pixels.
pub const THUMB_SIDE: u32 = 320;

/// JPEG quality of kept photos and thumbnails.
const QUALITY: u8 = 85;

/// Why a file is refused; each has a message id (`error-attachment-…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Empty.
    Empty,
    /// Over [`MAX_BYTES`].
    TooLarge,
    /// Not a JPEG, PNG or PDF.
    Unsupported,
    /// Says it is an image but does not decode (or is too many pixels to decode safely).
    Unreadable,
}

impl Refusal {
    /// The message id.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Empty => "error-attachment-empty",
            Refusal::TooLarge => "error-attachment-too-large",
            Refusal::Unsupported => "error-attachment-type",
            Refusal::Unreadable => "error-attachment-unreadable",
        }
    }
}

/// A file made ready to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    /// `image/jpeg`, `image/png` or `application/pdf`.
    pub mime: &'static str,
    /// What is kept.
    pub bytes: Vec<u8>,
    /// A JPEG thumbnail, for photos.
    pub thumb: Option<Vec<u8>>,
    /// A photo's size as kept, in pixels (0 for a document).
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// Checks a file and makes it ready to keep: a photo upright, scaled and without metadata,
/// with its thumbnail; a PDF as it is.
pub fn clean(bytes: &[u8]) -> Result<Cleaned, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::TooLarge);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(Cleaned {
            mime: "application/pdf",
            bytes: bytes.to_vec(),
            thumb: None,
            width: 0,
            height: 0,
        });
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        _ => return Err(Refusal::Unsupported),
    };
    let photo = upright(bytes, format)?;
    let photo = if photo.width().max(photo.height()) > MAX_SIDE {
        photo.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Lanczos3)
    } else {
        photo
    };
    let (mime, kept) = match format {
        // A PNG is usually a screenshot of a document: kept sharp, as PNG.
        ImageFormat::Png => ("image/png", png(&photo)?),
        _ => ("image/jpeg", jpeg(&photo)?),
    };
    let thumb = jpeg(&photo.thumbnail(THUMB_SIDE, THUMB_SIDE))?;
    Ok(Cleaned {
        mime,
        bytes: kept,
        thumb: Some(thumb),
        width: photo.width(),
        height: photo.height(),
    })
}

/// The photo's pixels, turned as its EXIF orientation says (a phone held sideways), decoded
/// within limits so that a small file claiming huge dimensions cannot exhaust memory.
fn upright(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, Refusal> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(512 * 1024 * 1024);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| Refusal::Unreadable)?;
    let orientation = decoder.orientation().map_err(|_| Refusal::Unreadable)?;
    let mut photo = DynamicImage::from_decoder(decoder).map_err(|_| Refusal::Unreadable)?;
    photo.apply_orientation(orientation);
    Ok(photo)
}

fn jpeg(photo: &DynamicImage) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&photo.to_rgb8())
        .map_err(|_| Refusal::Unreadable)?;
    Ok(out)
}

fn png(photo: &DynamicImage) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    photo
        .write_with_encoder(PngEncoder::new(&mut out))
        .map_err(|_| Refusal::Unreadable)?;
    Ok(out)
}

/// Test fixtures: what a phone's camera writes, for this crate's tests and the upload tests of
/// the pages.
pub mod fixtures {
    use super::*;

    /// A JPEG of `w` × `h` pixels with an EXIF block: orientation `turn`, a GPS position and a
    /// camera make (what a phone writes).
    pub fn phone_photo(w: u32, h: u32, turn: u16) -> Vec<u8> {
        let img = DynamicImage::new_rgb8(w, h);
        let plain = jpeg(&img).unwrap_or_default();
        // TIFF (little-endian) with one IFD: Orientation, Make, and a GPS IFD pointer whose IFD
        // holds the latitude reference: enough for any reader to find a position block.
        let mut tiff: Vec<u8> = b"II*\0".to_vec();
        tiff.extend(8u32.to_le_bytes());
        let entries: [(u16, u16, u32, u32); 3] = [
            (0x010f, 2, 6, 50),              // Make, ASCII, 6 bytes at offset 50
            (0x0112, 3, 1, u32::from(turn)), // Orientation
            (0x8825, 4, 1, 60),              // GPS IFD at offset 60
        ];
        tiff.extend(3u16.to_le_bytes());
        for (tag, kind, count, value) in entries {
            tiff.extend(tag.to_le_bytes());
            tiff.extend(kind.to_le_bytes());
            tiff.extend(count.to_le_bytes());
            tiff.extend(value.to_le_bytes());
        }
        tiff.extend(0u32.to_le_bytes());
        tiff.resize(50, 0);
        tiff.extend(b"PhoneX");
        tiff.resize(60, 0);
        tiff.extend(1u16.to_le_bytes()); // one entry: GPSLatitudeRef = "N"
        tiff.extend(1u16.to_le_bytes());
        tiff.extend(2u16.to_le_bytes());
        tiff.extend(2u32.to_le_bytes());
        tiff.extend(b"N\0\0\0");
        tiff.extend(0u32.to_le_bytes());
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let len = u16::try_from(app1.len() + 2).unwrap_or(u16::MAX);
        let mut out = plain.get(..2).unwrap_or_default().to_vec(); // SOI
        out.extend([0xFF, 0xE1]);
        out.extend(len.to_be_bytes());
        out.extend(app1);
        out.extend(plain.get(2..).unwrap_or_default());
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
    use super::fixtures::phone_photo;
    use super::*;

    fn has(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_phone_photo_is_kept_upright_without_its_location_or_camera() {
        let photo = phone_photo(40, 20, 6);
        assert!(
            has(&photo, b"Exif") && has(&photo, b"PhoneX"),
            "the fixture carries them"
        );
        let c = clean(&photo).unwrap();
        assert_eq!(c.mime, "image/jpeg");
        assert_eq!(
            (c.width, c.height),
            (20, 40),
            "turned as the phone was held"
        );
        for kept in [&c.bytes, c.thumb.as_ref().unwrap()] {
            assert!(!has(kept, b"Exif") && !has(kept, b"PhoneX"));
            assert!(
                !kept.windows(2).any(|w| w == [0xFF, 0xE1]),
                "no APP1 block at all"
            );
            assert_eq!(image::guess_format(kept).unwrap(), ImageFormat::Jpeg);
        }
    }

    #[test]
    fn a_large_photo_is_scaled_and_its_thumbnail_is_small() {
        let big = jpeg(&DynamicImage::new_rgb8(4000, 3000)).unwrap();
        let c = clean(&big).unwrap();
        assert_eq!((c.width, c.height), (1600, 1200));
        let thumb = image::load_from_memory(c.thumb.as_ref().unwrap()).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 240));
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        assert_eq!(clean(b""), Err(Refusal::Empty));
        assert_eq!(clean(b"MZ\x90\0 an executable"), Err(Refusal::Unsupported));
        assert_eq!(clean(b"GIF89a......"), Err(Refusal::Unsupported));
        let mut broken = jpeg(&DynamicImage::new_rgb8(8, 8)).unwrap();
        broken.truncate(40);
        assert_eq!(clean(&broken), Err(Refusal::Unreadable));
        assert_eq!(clean(&vec![0xFF; MAX_BYTES + 1]), Err(Refusal::TooLarge));
        let pdf = clean(b"%PDF-1.7\n...").unwrap();
        assert_eq!((pdf.mime, pdf.thumb), ("application/pdf", None));
    }
}
