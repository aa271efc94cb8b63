//! Media files on the local disk, under `data_dir/media`, named from the attachment id alone.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The directory holding every media file.
pub fn root(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

/// The file extension of a stored content type.
pub fn extension(content_type: &str) -> Option<&'static str> {
    match content_type {
        "image/jpeg" => Some("jpg"),
        "image/png" => Some("png"),
        "image/gif" => Some("gif"),
        "image/webp" => Some("webp"),
        _ => None,
    }
}

/// The file name of an attachment's original (`123.png`) or preview (`123_small.png`).
pub fn file_name(id: i64, small: bool, extension: &str) -> String {
    if small {
        format!("{id}_small.{extension}")
    } else {
        format!("{id}.{extension}")
    }
}

/// Reads a requested file name back into (id, small, extension); anything else is `None`, so
/// no request can name a path of its own.
pub fn parse_file_name(name: &str) -> Option<(i64, bool, &str)> {
    let (stem, extension) = name.split_once('.')?;
    let (digits, small) = match stem.strip_suffix("_small") {
        Some(digits) => (digits, true),
        None => (stem, false),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, small, extension))
}

/// Writes an attachment's two files.
pub async fn write(
    root: &Path,
    id: i64,
    extension: &str,
    original: &[u8],
    small: &[u8],
) -> anyhow::Result<()> {
    tokio::fs::create_dir_all(root)
        .await
        .with_context(|| format!("creating {}", root.display()))?;
    for (is_small, bytes) in [(false, original), (true, small)] {
        let path = root.join(file_name(id, is_small, extension));
        tokio::fs::write(&path, bytes)
            .await
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Removes an attachment's files (missing files are fine).
pub async fn remove(root: &Path, id: i64, extension: &str) {
    for small in [false, true] {
        let _ = tokio::fs::remove_file(root.join(file_name(id, small, extension))).await;
    }
}

/// Reads one stored file.
pub async fn read(root: &Path, id: i64, small: bool, extension: &str) -> std::io::Result<Vec<u8>> {
    tokio::fs::read(root.join(file_name(id, small, extension))).await
}
