//! Accounts: sign-up, the member's own account and preferences, profiles, lookup, relationships.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::actions;
use crate::app::AppState;
use crate::config::RegistrationMode;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Account, CredentialAccount, Token};
use crate::mastodon::params::{File, Files, Params, ParamsWithFiles};
use crate::mastodon::present;
use crate::mastodon::rate_limit::{ClientIp, Limit};
use crate::media::profile_images::{self, Change, Picture};

#[derive(Debug, Deserialize)]
pub struct SignUpParams {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    agreement: bool,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    /// An invite link's code.
    #[serde(default)]
    invite_code: Option<String>,
}

/// POST /api/v1/accounts
pub async fn create_account(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: Auth,
    Params(params): Params<SignUpParams>,
) -> AppResult<Json<Token>> {
    auth.require(&["write:accounts"])?;
    if auth.user().is_ok() {
        return Err(AppError::Forbidden(
            "This method is only available to applications, not signed-in members".into(),
        ));
    }
    let mode = state.config.registrations.mode;
    if mode == RegistrationMode::Closed && params.invite_code.as_deref().is_none_or(str::is_empty) {
        return Err(AppError::Forbidden(
            "Registrations are closed on this server".into(),
        ));
    }
    state.limiter.hit(
        Limit {
            name: "sign_up",
            max: state.config.rate_limits.sign_up_per_ip,
            period: Duration::from_secs(1800),
        },
        &ip,
    )?;
    let request = actions::accounts::SignUp {
        username: &params.username,
        email: &params.email,
        password: &params.password,
        agreement: params.agreement,
        locale: params.locale.as_deref(),
        reason: params.reason.as_deref(),
        ip: &ip,
        invite_code: params.invite_code.as_deref(),
    };
    let created = actions::accounts::sign_up(&state, &request).await?;
    let token = actions::oauth::issue_token(
        &state.db,
        auth.application_id,
        Some(created.user_id),
        &auth.scopes,
    )
    .await?;
    Ok(Json(Token::from(token)))
}

async fn credential_account(state: &AppState, account_id: i64) -> AppResult<CredentialAccount> {
    let account = db::accounts::find(&state.db, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let user = db::users::find_by_account(&state.db, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let requests = db::follow_requests::count_for(&state.db, account_id).await?;
    let mut credential = CredentialAccount::from_rows(&account, &user, requests, &state.config);
    if let Some(counted) = present::account(state, account_id).await? {
        credential.account = counted;
    }
    Ok(credential)
}

/// GET /api/v1/accounts/verify_credentials
pub async fn verify_credentials(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<CredentialAccount>> {
    let user = auth.require_user(&["read:accounts", "profile"])?;
    Ok(Json(credential_account(&state, user.account_id).await?))
}

#[derive(Debug, Deserialize)]
pub struct FieldParam {
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct SourceParams {
    privacy: Option<String>,
    sensitive: Option<bool>,
    language: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UpdateCredentials {
    display_name: Option<String>,
    note: Option<String>,
    locked: Option<bool>,
    bot: Option<bool>,
    discoverable: Option<bool>,
    indexable: Option<bool>,
    hide_collections: Option<bool>,
    fields_attributes: Option<Vec<FieldParam>>,
    #[serde(default)]
    source: SourceParams,
}

/// Largest update_credentials body: an avatar, a header and room for the other fields, so that
/// a picture just over its limit is still read and answered with our own 422.
pub const UPDATE_CREDENTIALS_BODY_LIMIT: usize = 2 * profile_images::MAX_SIZE + 1024 * 1024;

/// Reads and prepares the picture sent as `picture`'s field, if any.
pub async fn picture_change(files: &mut Files, picture: Picture) -> AppResult<Change> {
    match files.take(picture.field()) {
        None => Ok(Change::Keep),
        Some(File::TooLarge) => Err(profile_images::too_large(picture)),
        Some(File::Bytes(bytes)) => Ok(Change::Replace(
            profile_images::prepare_off_runtime(bytes, picture).await?,
        )),
    }
}

/// PATCH /api/v1/accounts/update_credentials
///
/// `avatar` and `header` are multipart files, cropped to 400x400 and 1500x500.
pub async fn update_credentials(
    State(state): State<AppState>,
    auth: Auth,
    ParamsWithFiles(params, mut files): ParamsWithFiles<UpdateCredentials, { profile_images::MAX_SIZE }>,
) -> AppResult<Json<CredentialAccount>> {
    let user = auth.require_user(&["write:accounts"])?;
    let fields = params.fields_attributes.as_ref().map(|items| {
        let pairs: Vec<(String, String)> = items.iter().map(|f| (f.name.clone(), f.value.clone())).collect();
        actions::accounts::profile_fields(&pairs)
    });
    let pictures = actions::accounts::PictureChanges {
        avatar: picture_change(&mut files, Picture::Avatar).await?,
        header: picture_change(&mut files, Picture::Header).await?,
    };
    let profile = db::accounts::ProfileUpdate {
        display_name: params.display_name.map(|n| n.trim().to_owned()),
        note: params.note,
        locked: params.locked,
        bot: params.bot,
        discoverable: params.discoverable,
        indexable: params.indexable,
        hide_collections: params.hide_collections,
        fields,
        ..Default::default()
    };
    let preferences = db::users::PreferencesUpdate {
        default_privacy: params.source.privacy,
        default_sensitive: params.source.sensitive,
        default_language: params.source.language,
    };
    let changes = actions::accounts::ProfileChanges {
        profile,
        pictures,
        preferences,
    };
    save_profile(&state, (user.account_id, user.user_id), changes).await
}

/// Applies a member's profile changes and answers with their account as they now see it.
async fn save_profile(
    state: &AppState,
    (account_id, user_id): (i64, i64),
    changes: actions::accounts::ProfileChanges,
) -> AppResult<Json<CredentialAccount>> {
    actions::accounts::update_profile(
        &state.db,
        &state.base_url,
        &state.media,
        account_id,
        user_id,
        changes,
    )
    .await?;
    Ok(Json(credential_account(state, account_id).await?))
}

/// Puts back the default picture of the kind `picture`.
async fn remove_picture(
    state: &AppState,
    auth: &Auth,
    picture: Picture,
) -> AppResult<Json<CredentialAccount>> {
    let user = auth.require_user(&["write:accounts"])?;
    let mut changes = actions::accounts::ProfileChanges::default();
    match picture {
        Picture::Avatar => changes.pictures.avatar = Change::Remove,
        Picture::Header => changes.pictures.header = Change::Remove,
    }
    save_profile(state, (user.account_id, user.user_id), changes).await
}

/// DELETE /api/v1/profile/avatar
pub async fn delete_avatar(State(state): State<AppState>, auth: Auth) -> AppResult<Json<CredentialAccount>> {
    remove_picture(&state, &auth, Picture::Avatar).await
}

/// DELETE /api/v1/profile/header
pub async fn delete_header(State(state): State<AppState>, auth: Auth) -> AppResult<Json<CredentialAccount>> {
    remove_picture(&state, &auth, Picture::Header).await
}

/// GET /api/v1/preferences
pub async fn get_preferences(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Value>> {
    let user = auth.require_user(&["read:accounts"])?;
    let row = db::users::find(&state.db, user.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(json!({
        "posting:default:visibility": row.default_privacy,
        "posting:default:sensitive": row.default_sensitive,
        "posting:default:language": row.default_language,
        "posting:default:quote_policy": "public",
        "reading:expand:media": row.expand_media,
        "reading:expand:spoilers": row.expand_spoilers,
        "reading:autoplay:gifs": false,
    })))
}

/// GET /api/v1/accounts/:id
pub async fn get_account(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
) -> AppResult<Json<Account>> {
    crate::mastodon::auth::viewer(&auth, &["read:accounts"])?;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    db::accounts::find_unsuspended(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(
        present::account(&state, id).await?.ok_or(AppError::NotFound)?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct Lookup {
    #[serde(default)]
    acct: String,
}

/// GET /api/v1/accounts/lookup
pub async fn lookup_account(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Params(params): Params<Lookup>,
) -> AppResult<Json<Account>> {
    crate::mastodon::auth::viewer(&auth, &["read:accounts"])?;
    let acct = params.acct.trim().trim_start_matches('@');
    let (username, domain) = match acct.split_once('@') {
        Some((username, domain)) => (username, Some(domain.to_ascii_lowercase())),
        None => (acct, None),
    };
    let ours = domain.as_deref().is_none_or(|d| d == state.config.server.domain);
    let id = if ours {
        db::accounts::find_local_by_username(&state.db, username)
            .await?
            .map(|a| a.id)
    } else {
        let domain = domain.unwrap_or_default();
        if auth.is_some() {
            crate::federation::resolve::account_by_handle(&state, username, &domain).await?
        } else {
            // Anonymous callers see accounts already known: fetching for anyone who asks would
            // make the server a crawler at a stranger's command.
            db::accounts::find_remote_by_username(&state.db, username, &domain)
                .await?
                .map(|a| a.id)
        }
    };
    let id = id.ok_or(AppError::NotFound)?;
    Ok(Json(
        present::account(&state, id).await?.ok_or(AppError::NotFound)?,
    ))
}
