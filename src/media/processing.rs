//! Image processing: sniffing, limits, re-encoding (which drops EXIF), previews and blurhashes.

use std::io::Cursor;
use std::sync::LazyLock;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::error::{AppError, AppResult};

/// Largest upload accepted, in bytes (Mastodon's image limit).
pub const MAX_SIZE: usize = 16 * 1024 * 1024;
/// Largest image accepted, in pixels (Mastodon's image matrix limit, 7680x4320).
pub const MAX_PIXELS: u64 = 33_177_600;
/// The preview fits in a square this many pixels wide.
pub const SMALL_SIZE: u32 = 640;
/// JPEG quality of re-encoded photos.
const JPEG_QUALITY: u8 = 90;

/// An image checked and re-encoded: the files to store and what to say about them.
#[derive(Debug)]
pub struct Processed {
    pub content_type: &'static str,
    pub original: Vec<u8>,
    pub small: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub small_width: u32,
    pub small_height: u32,
    pub blurhash: Option<String>,
}

pub(crate) fn invalid(message: &str) -> AppError {
    AppError::Invalid(format!("Validation failed: {message}"))
}

fn unsupported() -> AppError {
    invalid("File content type is invalid: only JPEG, PNG, GIF and WebP images are accepted")
}

/// What the bytes are, from their first bytes alone (the client's content type is never asked).
fn sniff(bytes: &[u8]) -> AppResult<ImageFormat> {
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP)) => {
            Ok(format)
        }
        _ if is_video_or_audio(bytes) => Err(invalid(
            "File content type is invalid: video and audio are not supported on this server, \
             only JPEG, PNG, GIF and WebP images",
        )),
        _ => Err(unsupported()),
    }
}

/// Common video and audio containers, to say plainly why they are refused.
fn is_video_or_audio(bytes: &[u8]) -> bool {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    at(4, b"ftyp")
        || at(0, &[0x1a, 0x45, 0xdf, 0xa3])
        || at(0, b"OggS")
        || at(0, b"ID3")
        || at(0, b"fLaC")
        || (at(0, b"RIFF") && (at(8, b"WAVE") || at(8, b"AVI ")))
        || (bytes.len() > 1 && bytes[0] == 0xff && bytes[1] & 0xe0 == 0xe0)
}

/// Checks an upload and re-encodes it: JPEG stays JPEG, PNG stays PNG, WebP becomes lossless
/// WebP, GIF becomes a PNG of its first frame. Metadata (EXIF, comments) is not carried over;
/// the EXIF orientation is applied to the pixels first. CPU-heavy: call it off the async
/// runtime (`spawn_blocking`).
pub fn process(bytes: &[u8]) -> AppResult<Processed> {
    if bytes.len() > MAX_SIZE {
        return Err(AppError::TooLarge);
    }
    let (format, image) = decode(bytes)?;
    let (content_type, stored_format) = stored_as(format);
    let small = if image.width() > SMALL_SIZE || image.height() > SMALL_SIZE {
        image.thumbnail(SMALL_SIZE, SMALL_SIZE)
    } else {
        image.clone()
    };
    let original = encode(&image, stored_format)?;
    let small_bytes = encode(&small, stored_format)?;
    Ok(Processed {
        content_type,
        width: image.width(),
        height: image.height(),
        small_width: small.width(),
        small_height: small.height(),
        blurhash: blurhash_of(&small),
        original,
        small: small_bytes,
    })
}

/// Sniffs, checks and decodes an image within the pixel limit, its EXIF orientation applied.
pub(crate) fn decode(bytes: &[u8]) -> AppResult<(ImageFormat, DynamicImage)> {
    let format = sniff(bytes)?;
    let unreadable = |_| invalid("File could not be read as an image");
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(unreadable)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(invalid(&format!(
            "Image is too large: {width}x{height} is over the limit of {MAX_PIXELS} pixels"
        )));
    }
    if width == 0 || height == 0 {
        return Err(invalid("Image has no pixels"));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_PIXELS * 8 + MAX_SIZE as u64);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    Ok((format, image))
}

/// How an upload of `format` is stored: JPEG stays JPEG, WebP stays WebP, the rest become PNG.
pub(crate) fn stored_as(format: ImageFormat) -> (&'static str, ImageFormat) {
    match format {
        ImageFormat::Jpeg => ("image/jpeg", ImageFormat::Jpeg),
        ImageFormat::WebP => ("image/webp", ImageFormat::WebP),
        _ => ("image/png", ImageFormat::Png),
    }
}

/// Images being processed at once: one per CPU, so that uploads queue rather than hold many
/// decoded images (up to about 130 MB each) in memory together.
static PROCESSING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// `process` on the blocking pool, waiting for a free slot first.
pub async fn process_off_runtime(bytes: Vec<u8>) -> AppResult<Processed> {
    if bytes.len() > MAX_SIZE {
        return Err(AppError::TooLarge);
    }
    off_runtime(move || process(&bytes)).await
}

/// Runs image work on the blocking pool, one job per CPU at a time.
pub(crate) async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let _permit = PROCESSING
        .acquire()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("image processing closed: {e}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("image processing stopped: {e}")))?
}

pub(crate) fn encode(image: &DynamicImage, format: ImageFormat) -> AppResult<Vec<u8>> {
    let mut out = Vec::new();
    let result = match format {
        ImageFormat::Jpeg => JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
            .encode_image(&DynamicImage::ImageRgb8(image.to_rgb8())),
        ImageFormat::WebP => {
            DynamicImage::ImageRgba8(image.to_rgba8()).write_to(&mut Cursor::new(&mut out), format)
        }
        _ => image.write_to(&mut Cursor::new(&mut out), format),
    };
    result.map_err(|e| AppError::Internal(anyhow::anyhow!("encoding an image: {e}")))?;
    Ok(out)
}

/// The blurhash clients show while the image loads (computed on a tiny copy).
fn blurhash_of(image: &DynamicImage) -> Option<String> {
    let tiny = image.thumbnail(64, 64).to_rgba8();
    blurhash::encode(4, 4, tiny.width(), tiny.height(), tiny.as_raw()).ok()
}

/// Parses a focal point `"x,y"`, each within -1..1.
pub fn parse_focus(text: &str) -> AppResult<(f64, f64)> {
    let bad = || invalid("Focus must be two numbers between -1.0 and 1.0, as \"x,y\"");
    let (x, y) = text.split_once(',').ok_or_else(bad)?;
    let x: f64 = x.trim().parse().map_err(|_| bad())?;
    let y: f64 = y.trim().parse().map_err(|_| bad())?;
    if !(-1.0..=1.0).contains(&x) || !(-1.0..=1.0).contains(&y) {
        return Err(bad());
    }
    Ok((x, y))
}
