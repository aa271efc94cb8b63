//! The `custom_emojis` table.

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
