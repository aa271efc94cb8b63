//! The `custom_emojis` table.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A custom emoji row.
#[derive(Debug, Clone)]
pub struct CustomEmoji {
    pub shortcode: String,
    pub image_url: String,
    pub static_url: String,
    pub visible_in_picker: bool,
    pub category: Option<String>,
}

/// The instance's own enabled emojis, by shortcode.
pub async fn list_local(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<CustomEmoji>> {
    sqlx::query_as!(
        CustomEmoji,
        "select shortcode, image_url, static_url, visible_in_picker, category from custom_emojis
         where domain is null and not disabled order by shortcode",
    )
    .fetch_all(db)
    .await
}

/// A local emoji as federation publishes it.
#[derive(Debug, Clone)]
pub struct LocalEmoji {
    pub shortcode: String,
    pub image_url: String,
    pub updated_at: DateTime<Utc>,
}

/// The instance's enabled emojis with these shortcodes (for the `tag` of what we publish).
pub async fn list_local_by_shortcodes(
    db: impl PgExecutor<'_>,
    shortcodes: &[String],
) -> sqlx::Result<Vec<LocalEmoji>> {
    sqlx::query_as!(
        LocalEmoji,
        r#"select shortcode, image_url, created_at as "updated_at" from custom_emojis
           where domain is null and not disabled and shortcode = any($1) order by shortcode"#,
        shortcodes,
    )
    .fetch_all(db)
    .await
}
