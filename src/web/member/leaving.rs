//! Leaving and moving, from settings: aliases (so another account may move here), moving this
//! account away, and deleting it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;

use super::{Member, PageParams};
use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, PageError};
use crate::web::auth::MessagePage;
use crate::web::nav::Nav;
use crate::web::session::SESSION_COOKIE;

/// The routes of the moving and deleting settings.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/migration", get(show_migration).post(move_away))
        .route("/settings/aliases", post(add_alias))
        .route("/settings/aliases/remove", post(remove_alias))
        .route("/settings/delete", get(show_delete).post(delete_account))
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_migration.html")]
struct MigrationPage {
    nav: Nav,
    csrf_token: String,
    handle: String,
    aliases: Vec<String>,
    moved_to: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

async fn migration_page(
    state: &AppState,
    member: &Member,
    notice: Option<String>,
    error: Option<String>,
) -> Result<MigrationPage, PageError> {
    let account = db::accounts::find(&state.db, member.account_id())
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "Your account is gone."))?;
    let moved_to = match account.moved_to_account_id {
        Some(id) => db::accounts::find(&state.db, id)
            .await?
            .map(|target| match target.domain {
                Some(domain) => format!("@{}@{domain}", target.username),
                None => format!("@{}", target.username),
            }),
        None => None,
    };
    Ok(MigrationPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        handle: format!("@{}@{}", account.username, state.config.server.domain),
        aliases: db::remote_accounts::also_known_as(&state.db, account.id).await?,
        moved_to,
        notice,
        error,
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// GET /settings/migration
pub async fn show_migration(
    State(state): State<AppState>,
    member: Member,
    PageParams(query): PageParams<SavedQuery>,
) -> Result<Response, PageError> {
    let notice = match query.saved.as_deref() {
        Some("alias") => Some("The alias was added: that account may move here now.".to_owned()),
        Some("removed") => Some("The alias was removed.".to_owned()),
        _ => None,
    };
    let page = migration_page(&state, &member, notice, None).await?;
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct HandleForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    current_password: String,
}

/// Answers a refused form on the migration page with its reason.
async fn refused(state: &AppState, member: &Member, error: AppError) -> Result<Response, PageError> {
    let message = match &error {
        AppError::NotFound => "No account was found under that handle.".to_owned(),
        AppError::Invalid(reason) | AppError::Forbidden(reason) => reason.clone(),
        _ => return Err(error.into()),
    };
    let page = migration_page(state, member, None, Some(message)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// POST /settings/aliases
pub async fn add_alias(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<HandleForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    match actions::account_moves::add_alias(&state, member.account_id(), &form.handle).await {
        Ok(_) => Ok(Redirect::to("/settings/migration?saved=alias").into_response()),
        Err(error) => refused(&state, &member, error).await,
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct AliasForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    uri: String,
}

/// POST /settings/aliases/remove
pub async fn remove_alias(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<AliasForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    actions::account_moves::remove_alias(&state, member.account_id(), &form.uri).await?;
    Ok(Redirect::to("/settings/migration?saved=removed").into_response())
}

/// POST /settings/migration: moves the account to `handle`, after the password.
pub async fn move_away(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<HandleForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    if !actions::sessions::password_matches(&state.db, member.user.id, &form.current_password).await? {
        return refused(
            &state,
            &member,
            AppError::Invalid("The current password is not right.".into()),
        )
        .await;
    }
    match actions::account_moves::move_to(&state, member.account_id(), &form.handle).await {
        Ok(moved) => {
            let page = migration_page(
                &state,
                &member,
                Some(format!(
                    "Your account moved to {}. {moved} follower(s) here follow the new account; other servers are being told.",
                    form.handle.trim()
                )),
                None,
            )
            .await?;
            Ok(page.into_response())
        }
        Err(error) => refused(&state, &member, error).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_delete.html")]
struct DeletePage {
    nav: Nav,
    csrf_token: String,
    username: String,
    error: Option<String>,
}

/// GET /settings/delete
pub async fn show_delete(State(state): State<AppState>, member: Member) -> Result<Response, PageError> {
    let account = db::accounts::find(&state.db, member.account_id())
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "Your account is gone."))?;
    let page = DeletePage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        username: account.username,
        error: None,
    };
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct DeleteForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    current_password: String,
    /// The username typed again, so that nobody deletes by a slip.
    #[serde(default)]
    confirm_username: String,
}

/// POST /settings/delete: deletes the account (as the command line does: other servers are sent
/// Delete, the name stays reserved) and signs out.
pub async fn delete_account(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<DeleteForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let account = db::accounts::find(&state.db, member.account_id())
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "Your account is gone."))?;
    let refuse = |error: &str| {
        let page = DeletePage {
            nav: member.nav(),
            csrf_token: member.csrf_token(),
            username: account.username.clone(),
            error: Some(error.to_owned()),
        };
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if !form
        .confirm_username
        .trim()
        .trim_start_matches('@')
        .eq_ignore_ascii_case(&account.username)
    {
        return Ok(refuse("Type your username to confirm."));
    }
    if !actions::sessions::password_matches(&state.db, member.user.id, &form.current_password).await? {
        return Ok(refuse("The current password is not right."));
    }
    actions::accounts::delete_local(&state.db, &state.base_url, &state.media, account.id).await?;
    let jar = member.browser.jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    let page = MessagePage {
        heading: "Your account was deleted".into(),
        message: "Your posts and profile are gone, and other servers are being told. Goodbye.".into(),
    };
    Ok((jar, page).into_response())
}
