//! Media files on the local disk, under `data_dir/media`, named from the attachment's id and
//! random key alone.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Length of a file key: 16 random bytes, hex.
const KEY_LENGTH: usize = 32;

/// The directory holding every media file.
pub fn root(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

/// A fresh random key for an upload's file names (ids alone are time-ordered, so guessable).
pub fn new_key() -> anyhow::Result<String> {
    let mut bytes = [0u8; KEY_LENGTH / 2];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex::encode(bytes))
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

/// The file name of an attachment's original (`123-<key>.png`) or preview (`123-<key>-small.png`).
pub fn file_name(id: i64, key: &str, small: bool, extension: &str) -> String {
    if small {
        format!("{id}-{key}-small.{extension}")
    } else {
        format!("{id}-{key}.{extension}")
    }
}

/// A file name as requested, read back into its parts.
#[derive(Debug, PartialEq, Eq)]
pub struct FileName<'a> {
    pub id: i64,
    pub key: &'a str,
    pub small: bool,
    pub extension: &'a str,
}

/// Reads a requested file name back into its parts; anything not shaped like the names we make
/// is `None`, so no request can name a path of its own.
pub fn parse_file_name(name: &str) -> Option<FileName<'_>> {
    let (stem, extension) = name.split_once('.')?;
    let (stem, small) = match stem.strip_suffix("-small") {
        Some(stem) => (stem, true),
        None => (stem, false),
    };
    let (digits, key) = stem.split_once('-')?;
    let is_key = key.len() == KEY_LENGTH && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || !is_key {
        return None;
    }
    Some(FileName {
        id: digits.parse().ok()?,
        key,
        small,
        extension,
    })
}

/// Writes an attachment's two files.
pub async fn write(
    root: &Path,
    (id, key, extension): (i64, &str, &str),
    original: &[u8],
    small: &[u8],
) -> anyhow::Result<()> {
    tokio::fs::create_dir_all(root)
        .await
        .with_context(|| format!("creating {}", root.display()))?;
    for (is_small, bytes) in [(false, original), (true, small)] {
        let path = root.join(file_name(id, key, is_small, extension));
        tokio::fs::write(&path, bytes)
            .await
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Removes an attachment's files (missing files are fine).
pub async fn remove(root: &Path, (id, key, extension): (i64, &str, &str)) {
    for small in [false, true] {
        let _ = tokio::fs::remove_file(root.join(file_name(id, key, small, extension))).await;
    }
}

/// Removes the files of these uploads, `(id, key, content type)` as their rows held them, under
/// `data_dir`.
pub async fn remove_all(data_dir: &Path, files: &[(i64, String, String)]) {
    let root = root(data_dir);
    for (id, key, content_type) in files {
        if let Some(extension) = extension(content_type) {
            remove(&root, (*id, key, extension)).await;
        }
    }
}

/// Reads one stored file.
pub async fn read(
    root: &Path,
    (id, key, extension): (i64, &str, &str),
    small: bool,
) -> std::io::Result<Vec<u8>> {
    tokio::fs::read(root.join(file_name(id, key, small, extension))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_we_make_are_read_back() {
        let key = "0123456789abcdef0123456789abcdef";
        let name = file_name(42, key, true, "png");
        assert_eq!(
            parse_file_name(&name),
            Some(FileName {
                id: 42,
                key,
                small: true,
                extension: "png"
            })
        );
        assert_eq!(
            parse_file_name(&file_name(42, key, false, "jpg")).map(|f| f.small),
            Some(false)
        );
        for bad in [
            "42.png",
            "../42-0123456789abcdef0123456789abcdef.png",
            "42-0123456789ABCDEF0123456789abcdef.png",
            "42-0123456789abcdef0123456789abcde.png",
            "-0123456789abcdef0123456789abcdef.png",
            "42-0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }
}
