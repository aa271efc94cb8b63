//! Members' avatars and headers: cropped to Mastodon's shapes, re-encoded, kept in the media
//! store's profile collection, and the URLs every account shows its pictures at.

use image::DynamicImage;
use image::imageops::FilterType;

use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::federation::urls;
use crate::media::processing::{decode, encode, off_runtime, stored_as};
use crate::media::storage;
use crate::media::store::{Collection, MediaStore};

/// Largest avatar or header upload, in bytes (Mastodon's limit for each).
pub const MAX_SIZE: usize = 8 * 1024 * 1024;

/// Which of a member's two pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    Avatar,
    Header,
}

impl Picture {
    /// The parameter a client sends it as.
    pub fn field(self) -> &'static str {
        match self {
            Picture::Avatar => "avatar",
            Picture::Header => "header",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Picture::Avatar => "Avatar",
            Picture::Header => "Header",
        }
    }

    /// Mastodon's shape: avatars are shown square, headers three times as wide as high.
    pub fn size(self) -> (u32, u32) {
        match self {
            Picture::Avatar => (400, 400),
            Picture::Header => (1500, 500),
        }
    }
}

/// A picture ready to store: its bytes and the extension of its format.
#[derive(Debug)]
pub struct Encoded {
    pub extension: &'static str,
    pub bytes: Vec<u8>,
}

/// What a profile update does to one picture.
#[derive(Debug, Default)]
pub enum Change {
    #[default]
    Keep,
    Replace(Encoded),
    /// Back to the instance's default picture.
    Remove,
}

/// The 422 for a picture over `MAX_SIZE`.
pub fn too_large(picture: Picture) -> AppError {
    AppError::Validation {
        field: picture.field(),
        code: "ERR_INVALID",
        description: format!(
            "{} file size must be less than {} MB",
            picture.label(),
            MAX_SIZE / (1024 * 1024)
        ),
    }
}

/// Checks an upload and makes it the picture: the largest centred part of the picture's shape,
/// scaled down to its size (never up), re-encoded as uploads are (no metadata kept; an animated
/// GIF keeps its first frame, as a PNG). CPU-heavy: see `prepare_off_runtime`.
pub fn prepare(bytes: &[u8], picture: Picture) -> AppResult<Encoded> {
    if bytes.len() > MAX_SIZE {
        return Err(too_large(picture));
    }
    let (format, image) = decode(bytes)?;
    let shaped = shape(&image, picture.size());
    let (content_type, stored_format) = stored_as(format);
    let extension = storage::extension(content_type)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no extension for {content_type}")))?;
    Ok(Encoded {
        extension,
        bytes: encode(&shaped, stored_format)?,
    })
}

/// `prepare` on the blocking pool, sharing the uploads' limit of one image per CPU.
pub async fn prepare_off_runtime(bytes: Vec<u8>, picture: Picture) -> AppResult<Encoded> {
    if bytes.len() > MAX_SIZE {
        return Err(too_large(picture));
    }
    off_runtime(move || prepare(&bytes, picture)).await
}

/// The largest centred crop of `image` with the aspect ratio of `width` x `height`, scaled
/// down to that size when bigger.
fn shape(image: &DynamicImage, (width, height): (u32, u32)) -> DynamicImage {
    let (w, h) = (u64::from(image.width()), u64::from(image.height()));
    let (tw, th) = (u64::from(width), u64::from(height));
    // Compare w/h with tw/th without division: wider than the shape crops the sides.
    let (crop_w, crop_h) = if w * th > h * tw {
        ((h * tw / th).max(1), h)
    } else {
        (w, (w * th / tw).max(1))
    };
    let (crop_w, crop_h) = (crop_w as u32, crop_h as u32);
    let cropped = image.crop_imm(
        (image.width() - crop_w) / 2,
        (image.height() - crop_h) / 2,
        crop_w,
        crop_h,
    );
    if crop_w > width {
        cropped.resize_exact(width, height, FilterType::Triangle)
    } else {
        cropped
    }
}

/// Writes a picture of `account_id` under a fresh random name; returns the name.
pub async fn write(store: &MediaStore, account_id: i64, encoded: &Encoded) -> anyhow::Result<String> {
    let name = storage::file_name(account_id, &storage::new_key()?, false, encoded.extension);
    store.put(Collection::Profiles, &name, &encoded.bytes).await?;
    Ok(name)
}

/// Removes pictures by name (missing files are fine).
pub async fn remove(store: &MediaStore, names: &[String]) {
    // Only names we made: a stored value can never point outside the collection.
    let ours: Vec<String> = names
        .iter()
        .filter(|name| storage::parse_file_name(name).is_some())
        .cloned()
        .collect();
    store.delete(Collection::Profiles, &ours).await;
}

/// The content type of a stored picture, from its name.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("jpg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        _ => "image/png",
    }
}

/// Where a stored picture is served.
pub fn url(base: &str, name: &str) -> String {
    MediaStore::url(base, Collection::Profiles, name)
}

/// An account's avatar: a member's upload, a remote account's own, or the default picture.
pub fn avatar_url(base: &str, account: &Account) -> String {
    shown_at(base, account, Picture::Avatar)
}

/// An account's header, as `avatar_url`.
pub fn header_url(base: &str, account: &Account) -> String {
    shown_at(base, account, Picture::Header)
}

fn shown_at(base: &str, account: &Account, picture: Picture) -> String {
    let (file, remote, default) = match picture {
        Picture::Avatar => (&account.avatar_file, &account.avatar_remote_url, "avatar.png"),
        Picture::Header => (&account.header_file, &account.header_remote_url, "header.png"),
    };
    match (file, remote) {
        (Some(name), _) => url(base, name),
        (None, Some(remote)) => remote.clone(),
        (None, None) => urls::static_file(base, default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    fn picture(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::new(width, height))
    }

    #[test]
    fn pictures_are_cropped_to_their_shape_and_never_scaled_up() {
        let cases = [
            ((1200, 800), (400, 400), (400, 400)),
            ((300, 900), (400, 400), (300, 300)),
            ((100, 100), (400, 400), (100, 100)),
            ((6000, 500), (1500, 500), (1500, 500)),
            ((3000, 3000), (1500, 500), (1500, 500)),
            ((600, 600), (1500, 500), (600, 200)),
            ((1, 1000), (1500, 500), (1, 1)),
        ];
        for (from, size, expected) in cases {
            let shaped = shape(&picture(from.0, from.1), size);
            assert_eq!(
                (shaped.width(), shaped.height()),
                expected,
                "{from:?} into {size:?}"
            );
        }
    }

    #[test]
    fn content_types_follow_the_stored_extension() {
        let key = "0123456789abcdef0123456789abcdef";
        assert_eq!(content_type(&format!("1-{key}.jpg")), "image/jpeg");
        assert_eq!(content_type(&format!("1-{key}.webp")), "image/webp");
        assert_eq!(content_type(&format!("1-{key}.png")), "image/png");
    }
}
