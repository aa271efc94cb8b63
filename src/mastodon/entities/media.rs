//! The MediaAttachment entity.

use serde::Serialize;
use serde_json::{Value, json};

use crate::db;
use crate::mastodon::entities::format_id;
use crate::media::storage;

/// A media attachment as clients read it.
#[derive(Debug, Clone, Serialize)]
pub struct MediaAttachment {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub text_url: Option<String>,
    pub meta: Value,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

fn dimensions(width: i32, height: i32) -> Value {
    let aspect = if height > 0 {
        f64::from(width) / f64::from(height)
    } else {
        0.0
    };
    json!({
        "width": width,
        "height": height,
        "size": format!("{width}x{height}"),
        "aspect": aspect,
    })
}

impl MediaAttachment {
    /// Renders a stored upload; its files are served under `base_url/system/media/`.
    pub fn from_row(row: &db::media::Media, base_url: &str) -> Self {
        if let Some(remote) = &row.remote_url {
            return Self::remote(row, remote);
        }
        let extension = storage::extension(&row.content_type).unwrap_or("bin");
        // Every media address is made by the store (one place for object storage to change).
        let url = |small| {
            crate::federation::urls::media_file(
                base_url,
                &storage::file_name(row.id, &row.file_key, small, extension),
            )
        };
        MediaAttachment {
            id: format_id(row.id),
            kind: "image",
            url: Some(url(false)),
            preview_url: Some(url(true)),
            remote_url: None,
            preview_remote_url: None,
            text_url: None,
            meta: json!({
                "original": dimensions(row.width, row.height),
                "small": dimensions(row.small_width, row.small_height),
                "focus": { "x": row.focus_x, "y": row.focus_y },
            }),
            description: Some(row.description.clone()).filter(|d| !d.is_empty()),
            blurhash: row.blurhash.clone(),
        }
    }

    /// A remote attachment: its URLs point at the origin (we keep no copy yet).
    fn remote(row: &db::media::Media, remote: &str) -> Self {
        let kind = match row.content_type.split('/').next().unwrap_or_default() {
            "image" if row.content_type == "image/gif" => "gifv",
            "image" => "image",
            "video" => "video",
            "audio" => "audio",
            _ => "unknown",
        };
        let has_size = row.width > 0 && row.height > 0;
        MediaAttachment {
            id: format_id(row.id),
            kind,
            url: Some(remote.to_owned()),
            preview_url: Some(remote.to_owned()),
            remote_url: Some(remote.to_owned()),
            preview_remote_url: None,
            text_url: None,
            meta: if has_size {
                json!({ "original": dimensions(row.width, row.height), "focus": { "x": row.focus_x, "y": row.focus_y } })
            } else {
                json!({})
            },
            description: Some(row.description.clone()).filter(|d| !d.is_empty()),
            blurhash: row.blurhash.clone(),
        }
    }
}
