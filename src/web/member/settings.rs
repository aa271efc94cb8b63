//! Settings pages: profile (names, bio, pictures, fields, flags), posting preferences, password,
//! authorized applications and signed-in browsers.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::Member;
use super::compose::Choice;
use super::{PageParams, PageParamsWithFiles};
use crate::actions;
use crate::actions::sessions::PasswordRefusal;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, PageError};
use crate::mastodon::accounts::picture_change;
use crate::mastodon::rate_limit::Limit;
use crate::media::profile_images::{self, Picture};
use crate::web::nav::Nav;
use crate::web::session::SESSION_COOKIE;

/// The settings routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings", get(|| async { Redirect::to("/settings/profile") }))
        .route(
            "/settings/profile",
            get(show_profile)
                .post(save_profile)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::mastodon::accounts::UPDATE_CREDENTIALS_BODY_LIMIT,
                )),
        )
        .route(
            "/settings/preferences",
            get(show_preferences).post(save_preferences),
        )
        .route("/settings/password", get(show_password).post(save_password))
        .route("/settings/applications", get(show_applications))
        .route("/settings/applications/{id}/revoke", post(revoke_application))
        .route("/settings/sessions", get(show_sessions))
        .route("/settings/sessions/{id}/revoke", post(revoke_session))
}

/// Profile fields the form offers.
const FIELD_SLOTS: usize = 4;

/// A profile field as the form shows it.
#[derive(Debug, Clone, Default)]
pub struct FieldInput {
    pub slot: usize,
    pub name: String,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_profile.html")]
pub struct ProfileSettingsPage {
    nav: Nav,
    csrf_token: String,
    notice: Option<String>,
    error: Option<String>,
    display_name: String,
    note: String,
    avatar: String,
    header: String,
    fields: Vec<FieldInput>,
    locked: bool,
    bot: bool,
    discoverable: bool,
    account_id: i64,
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    saved: bool,
}

async fn profile_page(
    state: &AppState,
    member: &Member,
    notice: Option<String>,
    error: Option<String>,
) -> Result<ProfileSettingsPage, PageError> {
    let account = db::accounts::find(&state.db, member.account_id())
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "Your account is gone."))?;
    let stored: Vec<(String, String)> = account
        .fields
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|field| {
            let text = |key: &str| {
                field
                    .get(key)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            (text("name"), text("value"))
        })
        .collect();
    Ok(ProfileSettingsPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        notice,
        error,
        display_name: account.display_name.clone(),
        note: account.note.clone(),
        avatar: profile_images::avatar_url(&state.base_url, &account),
        header: profile_images::header_url(&state.base_url, &account),
        fields: (1..=FIELD_SLOTS)
            .map(|slot| {
                let (name, value) = stored.get(slot - 1).cloned().unwrap_or_default();
                FieldInput { slot, name, value }
            })
            .collect(),
        locked: account.locked,
        bot: account.bot,
        discoverable: account.discoverable.unwrap_or(false),
        account_id: account.id,
    })
}

fn saved(query: &NoticeQuery) -> Option<String> {
    query.saved.then(|| "Saved.".to_owned())
}

/// GET /settings/profile
pub async fn show_profile(
    State(state): State<AppState>,
    member: Member,
    PageParams(query): PageParams<NoticeQuery>,
) -> Result<Response, PageError> {
    let page = profile_page(&state, &member, saved(&query), None).await?;
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct ProfileForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    locked: bool,
    #[serde(default)]
    bot: bool,
    #[serde(default)]
    discoverable: bool,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, serde_json::Value>,
}

/// POST /settings/profile (multipart: the pictures are files)
pub async fn save_profile(
    State(state): State<AppState>,
    member: Member,
    PageParamsWithFiles(form, mut files): PageParamsWithFiles<ProfileForm, { profile_images::MAX_SIZE }>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let text = |key: String| {
        form.rest
            .get(&key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let pairs: Vec<(String, String)> = (1..=FIELD_SLOTS)
        .map(|slot| {
            (
                text(format!("field_{slot}_name")),
                text(format!("field_{slot}_value")),
            )
        })
        .collect();
    let attempt = async {
        let pictures = actions::accounts::PictureChanges {
            avatar: picture_change(&mut files, Picture::Avatar).await?,
            header: picture_change(&mut files, Picture::Header).await?,
        };
        let changes = actions::accounts::ProfileChanges {
            profile: db::accounts::ProfileUpdate {
                display_name: Some(form.display_name.trim().to_owned()),
                note: Some(form.note.clone()),
                locked: Some(form.locked),
                bot: Some(form.bot),
                discoverable: Some(form.discoverable),
                fields: Some(actions::accounts::profile_fields(&pairs)),
                ..Default::default()
            },
            pictures,
            preferences: db::users::PreferencesUpdate::default(),
        };
        actions::accounts::update_profile(
            &state.db,
            &state.base_url,
            &state.media,
            member.account_id(),
            member.user.id,
            changes,
        )
        .await
    };
    match attempt.await {
        Ok(()) => Ok(Redirect::to("/settings/profile?saved=true").into_response()),
        Err(error) if error.status().is_client_error() => {
            let message = error.public_message();
            let mut page = profile_page(&state, &member, None, Some(message)).await?;
            // What was typed stays in the form.
            page.display_name = form.display_name.clone();
            page.note = form.note.clone();
            page.locked = form.locked;
            page.bot = form.bot;
            page.discoverable = form.discoverable;
            for (input, (name, value)) in page.fields.iter_mut().zip(pairs) {
                input.name = name;
                input.value = value;
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_preferences.html")]
pub struct PreferencesPage {
    nav: Nav,
    csrf_token: String,
    notice: Option<String>,
    visibilities: Vec<Choice>,
    languages: Vec<Choice>,
    sensitive: bool,
}

/// GET /settings/preferences
pub async fn show_preferences(
    State(_state): State<AppState>,
    member: Member,
    PageParams(query): PageParams<NoticeQuery>,
) -> Result<Response, PageError> {
    let user = &member.user;
    let mut languages = vec![Choice {
        value: String::new(),
        label: "None (as each post says)".into(),
        selected: user.default_language.is_none(),
    }];
    languages.extend(
        crate::mastodon::languages::LANGUAGES
            .iter()
            .map(|(code, name)| Choice {
                value: (*code).into(),
                label: format!("{name} ({code})"),
                selected: user.default_language.as_deref() == Some(*code),
            }),
    );
    let page = PreferencesPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        notice: saved(&query),
        visibilities: [
            ("public", "Public"),
            ("unlisted", "Unlisted"),
            ("private", "Followers only"),
            ("direct", "Mentioned people only"),
        ]
        .into_iter()
        .map(|(value, label)| Choice {
            value: value.into(),
            label: label.into(),
            selected: user.default_privacy == value,
        })
        .collect(),
        languages,
        sensitive: user.default_sensitive,
    };
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct PreferencesForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    default_privacy: String,
    #[serde(default)]
    default_language: String,
    #[serde(default)]
    default_sensitive: bool,
}

/// POST /settings/preferences
pub async fn save_preferences(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<PreferencesForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let changes = actions::accounts::ProfileChanges {
        preferences: db::users::PreferencesUpdate {
            default_privacy: Some(form.default_privacy),
            default_sensitive: Some(form.default_sensitive),
            default_language: Some(form.default_language),
        },
        ..Default::default()
    };
    actions::accounts::update_profile(
        &state.db,
        &state.base_url,
        &state.media,
        member.account_id(),
        member.user.id,
        changes,
    )
    .await?;
    Ok(Redirect::to("/settings/preferences?saved=true").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_password.html")]
pub struct PasswordPage {
    nav: Nav,
    csrf_token: String,
    notice: Option<String>,
    error: Option<String>,
}

/// GET /settings/password
pub async fn show_password(member: Member, PageParams(query): PageParams<NoticeQuery>) -> Response {
    let page = PasswordPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        notice: query
            .saved
            .then(|| "Your password was changed; your other browsers were signed out.".to_owned()),
        error: None,
    };
    (member.browser.jar, page).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    /// Revoke every app's token too.
    #[serde(default)]
    sign_out_apps: bool,
}

/// POST /settings/password
pub async fn save_password(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<PasswordForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let refuse = |message: &str| {
        let page = PasswordPage {
            nav: member.nav(),
            csrf_token: member.csrf_token(),
            notice: None,
            error: Some(message.to_owned()),
        };
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if form.password != form.password_confirmation {
        return Ok(refuse("The new password and its confirmation differ."));
    }
    // Guesses of the current password are counted as sign-in attempts of the account are.
    let limit = Limit {
        name: "password_change",
        max: state.config.rate_limits.sign_in_per_account,
        period: std::time::Duration::from_secs(300),
    };
    if state.limiter.hit(limit, &member.user.id.to_string()).is_err() {
        let mut response = refuse("Too many attempts. Wait a few minutes and try again.");
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return Ok(response);
    }
    let session = member
        .browser
        .jar
        .get(SESSION_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .unwrap_or_default();
    let outcome = actions::sessions::change_password(
        &state,
        member.user.id,
        &form.current_password,
        &form.password,
        &session,
        form.sign_out_apps,
    )
    .await?;
    match outcome {
        Ok(()) => Ok(Redirect::to("/settings/password?saved=true").into_response()),
        Err(PasswordRefusal::WrongCurrentPassword) => Ok(refuse("The current password is not right.")),
        Err(PasswordRefusal::Unacceptable(problem)) => Ok(refuse(&problem)),
    }
}

/// An authorized application as the page lists it.
#[derive(Debug, Clone)]
pub struct ApplicationLine {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub scopes: String,
    pub authorized: String,
    pub last_used: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_applications.html")]
pub struct ApplicationsPage {
    nav: Nav,
    csrf_token: String,
    applications: Vec<ApplicationLine>,
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// GET /settings/applications
pub async fn show_applications(State(state): State<AppState>, member: Member) -> Result<Response, PageError> {
    let rows = db::oauth::list_authorized(&state.db, member.user.id).await?;
    let applications = rows
        .into_iter()
        .map(|row| {
            let mut scopes: Vec<&str> = row.scopes.split_whitespace().collect();
            scopes.sort_unstable();
            scopes.dedup();
            ApplicationLine {
                id: row.id,
                name: row.name,
                website: row
                    .website
                    .filter(|w| w.starts_with("https://") || w.starts_with("http://")),
                scopes: scopes.join(" "),
                authorized: when(row.authorized_at),
                last_used: row.last_used_at.map_or_else(|| "never".to_owned(), when),
            }
        })
        .collect();
    let page = ApplicationsPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        applications,
    };
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct CsrfOnly {
    #[serde(default)]
    authenticity_token: String,
}

/// POST /settings/applications/:id/revoke
pub async fn revoke_application(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    PageParams(form): PageParams<CsrfOnly>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let id = crate::ids::parse(&id).ok_or(AppError::NotFound)?;
    actions::oauth::revoke_application(&state.db, member.user.id, id).await?;
    Ok(Redirect::to("/settings/applications").into_response())
}

/// A signed-in browser as the page lists it.
#[derive(Debug, Clone)]
pub struct SessionLine {
    pub id: String,
    pub started: String,
    pub expires: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_sessions.html")]
pub struct SessionsPage {
    nav: Nav,
    csrf_token: String,
    sessions: Vec<SessionLine>,
}

/// GET /settings/sessions
pub async fn show_sessions(State(state): State<AppState>, member: Member) -> Result<Response, PageError> {
    let current = member
        .browser
        .jar
        .get(SESSION_COOKIE)
        .map(|cookie| crate::secrets::digest(cookie.value()))
        .unwrap_or_default();
    let sessions = db::sessions::list_for_user(&state.db, member.user.id)
        .await?
        .into_iter()
        .map(|row| SessionLine {
            current: row.id_digest == current,
            id: row.id_digest,
            started: when(row.created_at),
            expires: when(row.expires_at),
        })
        .collect();
    let page = SessionsPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        sessions,
    };
    Ok((member.browser.jar, page).into_response())
}

/// POST /settings/sessions/:id/revoke (the id is the session's digest, never its cookie value)
pub async fn revoke_session(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    PageParams(form): PageParams<CsrfOnly>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    actions::sessions::end_session_of(&state.db, member.user.id, &id).await?;
    Ok(Redirect::to("/settings/sessions").into_response())
}
