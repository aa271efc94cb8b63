//! The names of stored media files: made from the attachment's id and a random key alone, and
//! read back from requests (the files themselves live behind `media::store`).

/// Length of a file key: 16 random bytes, hex.
const KEY_LENGTH: usize = 32;

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

/// Both files of an attachment (original and preview), from what its row holds; none for a
/// content type we never store.
pub fn attachment_files(id: i64, key: &str, content_type: &str) -> Vec<String> {
    extension(content_type)
        .map(|extension| {
            vec![
                file_name(id, key, false, extension),
                file_name(id, key, true, extension),
            ]
        })
        .unwrap_or_default()
}

/// The files of these uploads, `(id, key, content type)` as their rows held them.
pub fn files_of(uploads: &[(i64, String, String)]) -> Vec<String> {
    uploads
        .iter()
        .flat_map(|(id, key, content_type)| attachment_files(*id, key, content_type))
        .collect()
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
