//! Members' content filters: the filters, their keywords and statuses (`phrase`: one keyword).

pub mod phrase;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::db;
use crate::db::filters::{Filter, FilterStatus, Keyword, NewFilter};
use crate::error::{AppError, AppResult};

/// Where a filter applies.
pub const CONTEXTS: [&str; 5] = ["home", "notifications", "public", "thread", "account"];
/// What a filter does to what it matches.
pub const ACTIONS: [&str; 3] = ["warn", "hide", "blur"];
/// Longest filter title and keyword, in characters.
pub const MAX_TEXT_LENGTH: usize = 256;

/// A filter's attributes as given; `None` leaves one as it is. `expires_at: Some(None)` clears
/// the expiry.
#[derive(Debug, Default)]
pub struct FilterAttributes<'a> {
    pub title: Option<&'a str>,
    pub context: Option<&'a [String]>,
    pub action: Option<&'a str>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// A change to a filter's keywords, given with the filter.
#[derive(Debug)]
pub enum KeywordChange {
    Add {
        keyword: String,
        whole_word: bool,
    },
    Update {
        id: i64,
        keyword: Option<String>,
        whole_word: Option<bool>,
    },
    Destroy {
        id: i64,
    },
}

fn invalid(message: &str) -> AppError {
    AppError::Invalid(format!("Validation failed: {message}"))
}

fn check_text(label: &str, text: &str) -> AppResult<()> {
    if text.trim().is_empty() {
        return Err(invalid(&format!("{label} can't be blank")));
    }
    if text.chars().count() > MAX_TEXT_LENGTH {
        return Err(invalid(&format!(
            "{label} is too long (maximum is {MAX_TEXT_LENGTH} characters)"
        )));
    }
    Ok(())
}

/// The contexts given, trimmed, blanks dropped, each once; at least one and all known.
fn check_context(context: &[String]) -> AppResult<Vec<String>> {
    let mut kept: Vec<String> = Vec::new();
    for item in context.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        if !CONTEXTS.contains(&item) {
            return Err(invalid("Context None or invalid context supplied"));
        }
        if !kept.iter().any(|k| k == item) {
            kept.push(item.to_owned());
        }
    }
    if kept.is_empty() {
        return Err(invalid("Context None or invalid context supplied"));
    }
    Ok(kept)
}

fn check_action(action: &str) -> AppResult<()> {
    if ACTIONS.contains(&action) {
        Ok(())
    } else {
        Err(invalid("Filter action is not included in the list"))
    }
}

/// `current` with `attributes` applied, checked.
fn merged(current: &Filter, attributes: &FilterAttributes<'_>) -> AppResult<Filter> {
    let title = attributes.title.unwrap_or(&current.title);
    check_text("Title", title)?;
    let context = match attributes.context {
        Some(context) => check_context(context)?,
        None => current.context.clone(),
    };
    let action = attributes.action.unwrap_or(&current.action);
    check_action(action)?;
    Ok(Filter {
        id: current.id,
        title: title.to_owned(),
        context,
        action: action.to_owned(),
        expires_at: attributes.expires_at.unwrap_or(current.expires_at),
    })
}

/// A filter's attributes, to be stored.
fn stored(filter: &Filter) -> NewFilter<'_> {
    NewFilter {
        title: &filter.title,
        context: &filter.context,
        action: &filter.action,
        expires_at: filter.expires_at,
    }
}

async fn owned_filter(conn: &mut PgConnection, owner_id: i64, filter_id: i64) -> AppResult<Filter> {
    db::filters::find_owned(conn, owner_id, filter_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Applies keyword changes to a filter whose keywords are `existing`; an id not among them is 404.
async fn apply_keywords(
    conn: &mut PgConnection,
    filter_id: i64,
    existing: &[Keyword],
    changes: &[KeywordChange],
) -> AppResult<()> {
    for change in changes {
        match change {
            KeywordChange::Add { keyword, .. } => check_text("Keywords keyword", keyword)?,
            KeywordChange::Update { id, keyword, .. } => {
                if !existing.iter().any(|k| k.id == *id) {
                    return Err(AppError::NotFound);
                }
                if let Some(keyword) = keyword {
                    check_text("Keywords keyword", keyword)?;
                }
            }
            KeywordChange::Destroy { id } => {
                if !existing.iter().any(|k| k.id == *id) {
                    return Err(AppError::NotFound);
                }
            }
        }
    }
    for change in changes {
        match change {
            KeywordChange::Add { keyword, whole_word } => {
                db::filters::insert_keyword(&mut *conn, filter_id, keyword, *whole_word).await?;
            }
            KeywordChange::Update {
                id,
                keyword,
                whole_word,
            } => {
                if let Some(current) = existing.iter().find(|k| k.id == *id) {
                    let keyword = keyword.as_deref().unwrap_or(&current.keyword);
                    let whole_word = whole_word.unwrap_or(current.whole_word);
                    db::filters::update_keyword(&mut *conn, *id, keyword, whole_word).await?;
                }
            }
            KeywordChange::Destroy { id } => db::filters::delete_keyword(&mut *conn, *id).await?,
        }
    }
    Ok(())
}

/// Makes a filter with its keywords (a title and a context are required, the action defaults to
/// warn); returns its id. Keyword changes naming an id are 404: there is nothing to change yet.
pub async fn create(
    pool: &PgPool,
    owner_id: i64,
    attributes: &FilterAttributes<'_>,
    keywords: &[KeywordChange],
) -> AppResult<i64> {
    let blank = Filter {
        id: 0,
        title: String::new(),
        context: Vec::new(),
        action: "warn".to_owned(),
        expires_at: None,
    };
    if attributes.context.is_none() {
        return Err(invalid("Context None or invalid context supplied"));
    }
    let filter = merged(&blank, attributes)?;
    let mut tx = crate::db::begin(pool).await?;
    let filter = db::filters::insert(&mut *tx, owner_id, &stored(&filter)).await?;
    apply_keywords(&mut tx, filter.id, &[], keywords).await?;
    tx.commit().await?;
    Ok(filter.id)
}

/// Changes one of `owner_id`'s filters and its keywords, all or nothing.
pub async fn update(
    pool: &PgPool,
    owner_id: i64,
    filter_id: i64,
    attributes: &FilterAttributes<'_>,
    keywords: &[KeywordChange],
) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    let current = owned_filter(&mut tx, owner_id, filter_id).await?;
    let changed = merged(&current, attributes)?;
    let existing = db::filters::list_keywords(&mut *tx, filter_id).await?;
    apply_keywords(&mut tx, filter_id, &existing, keywords).await?;
    db::filters::update(&mut *tx, filter_id, &stored(&changed)).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes one of `owner_id`'s filters with its keywords and statuses.
pub async fn delete(pool: &PgPool, owner_id: i64, filter_id: i64) -> AppResult<()> {
    if db::filters::delete_owned(pool, owner_id, filter_id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Adds a keyword to one of `owner_id`'s filters; returns it.
pub async fn add_keyword(
    pool: &PgPool,
    owner_id: i64,
    filter_id: i64,
    keyword: &str,
    whole_word: bool,
) -> AppResult<Keyword> {
    check_text("Keyword", keyword)?;
    let mut tx = crate::db::begin(pool).await?;
    owned_filter(&mut tx, owner_id, filter_id).await?;
    let row = db::filters::insert_keyword(&mut *tx, filter_id, keyword, whole_word).await?;
    tx.commit().await?;
    Ok(row)
}

/// Changes a keyword of one of `owner_id`'s filters (`None` keeps a value); returns it.
pub async fn update_keyword(
    pool: &PgPool,
    owner_id: i64,
    keyword_id: i64,
    keyword: Option<&str>,
    whole_word: Option<bool>,
) -> AppResult<Keyword> {
    let mut tx = crate::db::begin(pool).await?;
    let mut row = db::filters::find_owned_keyword(&mut *tx, owner_id, keyword_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(keyword) = keyword {
        check_text("Keyword", keyword)?;
        row.keyword = keyword.to_owned();
    }
    row.whole_word = whole_word.unwrap_or(row.whole_word);
    db::filters::update_keyword(&mut *tx, row.id, &row.keyword, row.whole_word).await?;
    tx.commit().await?;
    Ok(row)
}

/// Deletes a keyword of one of `owner_id`'s filters (the filter stays, as in Mastodon).
pub async fn delete_keyword(pool: &PgPool, owner_id: i64, keyword_id: i64) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    db::filters::find_owned_keyword(&mut *tx, owner_id, keyword_id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::filters::delete_keyword(&mut *tx, keyword_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a status to one of `owner_id`'s filters: it must exist and be visible to the owner, and
/// not be in the filter already (422); returns the row.
pub async fn add_status(
    pool: &PgPool,
    owner_id: i64,
    filter_id: i64,
    status_id: Option<i64>,
) -> AppResult<FilterStatus> {
    let mut tx = crate::db::begin(pool).await?;
    owned_filter(&mut tx, owner_id, filter_id).await?;
    let visible = match status_id {
        Some(id) => db::filters::exists_visible_status(&mut *tx, owner_id, id).await?,
        None => false,
    };
    let Some(status_id) = status_id.filter(|_| visible) else {
        return Err(invalid("Status must exist"));
    };
    let row = match db::filters::insert_status(&mut *tx, filter_id, status_id).await {
        Ok(row) => row,
        Err(e) if db::is_unique_violation(&e, "filter_statuses_filter_id_status_id_key") => {
            return Err(invalid("Status has already been taken"));
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(row)
}

/// Takes a status off one of `owner_id`'s filters.
pub async fn delete_status(pool: &PgPool, owner_id: i64, filter_status_id: i64) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    db::filters::find_owned_status(&mut *tx, owner_id, filter_status_id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::filters::delete_status(&mut *tx, filter_status_id).await?;
    tx.commit().await?;
    Ok(())
}
