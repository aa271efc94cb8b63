//! Filters seen through one keyword, as Mastodon's v1 filters: the phrase is the keyword.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{FilterAttributes, KeywordChange, check_context, check_text, invalid, owned_filter, stored};
use crate::db;
use crate::db::filters::{Filter, Keyword};
use crate::error::{AppError, AppResult};

/// A filter seen through one keyword (Mastodon's v1 filters): the phrase is the keyword, and
/// `irreversible` stands for the hide action.
#[derive(Debug, Default)]
pub struct PhraseFilter<'a> {
    pub phrase: Option<&'a str>,
    pub whole_word: Option<bool>,
    pub context: Option<&'a [String]>,
    pub irreversible: Option<bool>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// Makes a filter titled after its single keyword, the phrase; returns the filter and keyword.
pub async fn create(pool: &PgPool, owner_id: i64, given: &PhraseFilter<'_>) -> AppResult<(Filter, Keyword)> {
    let phrase = given.phrase.unwrap_or("");
    check_text("Phrase", phrase)?;
    let action = if given.irreversible == Some(true) {
        "hide"
    } else {
        "warn"
    };
    let attributes = FilterAttributes {
        title: Some(phrase),
        context: given.context,
        action: Some(action),
        expires_at: given.expires_at,
    };
    let keyword = KeywordChange::Add {
        keyword: phrase.to_owned(),
        whole_word: given.whole_word.unwrap_or(true),
    };
    let filter_id = super::create(pool, owner_id, &attributes, &[keyword]).await?;
    let filter = db::filters::find_owned(pool, owner_id, filter_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let keywords = db::filters::list_keywords(pool, filter_id).await?;
    let keyword = keywords.into_iter().next().ok_or(AppError::NotFound)?;
    Ok((filter, keyword))
}

/// Changes a keyword and, through it, its filter. The phrase renames the filter too when it is
/// the filter's only keyword; changing context, action or expiry of a filter with several
/// keywords is refused (422), as Mastodon does.
pub async fn update(
    pool: &PgPool,
    owner_id: i64,
    keyword_id: i64,
    given: &PhraseFilter<'_>,
) -> AppResult<(Filter, Keyword)> {
    let mut tx = crate::db::begin(pool).await?;
    let mut keyword = db::filters::find_owned_keyword(&mut *tx, owner_id, keyword_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut filter = owned_filter(&mut tx, owner_id, keyword.filter_id).await?;
    let shared = db::filters::list_keywords(&mut *tx, filter.id).await?.len() > 1;
    if let Some(phrase) = given.phrase {
        check_text("Phrase", phrase)?;
        keyword.keyword = phrase.to_owned();
        if !shared {
            filter.title = phrase.to_owned();
        }
    }
    keyword.whole_word = given.whole_word.unwrap_or(keyword.whole_word);
    // Only `irreversible=true` means hide; false turns hide back into warn and leaves blur alone.
    let action = match given.irreversible {
        Some(true) => "hide",
        Some(false) if filter.action == "hide" => "warn",
        _ => filter.action.as_str(),
    }
    .to_owned();
    let context = match given.context {
        Some(context) => check_context(context)?,
        None => filter.context.clone(),
    };
    let expires_at = given.expires_at.unwrap_or(filter.expires_at);
    let mut sorted_new = context.clone();
    let mut sorted_old = filter.context.clone();
    sorted_new.sort();
    sorted_old.sort();
    let changed = sorted_new != sorted_old || action != filter.action || expires_at != filter.expires_at;
    if changed && shared {
        return Err(invalid(
            "These parameters cannot be changed from this application because they apply to more \
             than one filter keyword. Use a more recent application or the web interface.",
        ));
    }
    filter.context = context;
    filter.action = action;
    filter.expires_at = expires_at;
    db::filters::update_keyword(&mut *tx, keyword.id, &keyword.keyword, keyword.whole_word).await?;
    db::filters::update(&mut *tx, filter.id, &stored(&filter)).await?;
    tx.commit().await?;
    Ok((filter, keyword))
}

/// Deletes a keyword; its filter goes too when nothing (no keyword, no status) is left in it, so
/// that a filter made through the one-keyword view is gone when deleted through it.
pub async fn delete(pool: &PgPool, owner_id: i64, keyword_id: i64) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    let keyword = db::filters::find_owned_keyword(&mut *tx, owner_id, keyword_id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::filters::delete_keyword(&mut *tx, keyword.id).await?;
    if db::filters::is_empty(&mut *tx, keyword.filter_id).await? {
        db::filters::delete_owned(&mut *tx, owner_id, keyword.filter_id).await?;
    }
    tx.commit().await?;
    Ok(())
}
