//! Writing from the browser: the composer (text, content warning, visibility, language, media
//! with descriptions, a poll, replies), editing and deleting one's own posts.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::post_view::PostView;
use super::timelines::posts;
use super::{Member, back_to, here};
use super::{PageParams, PageParamsWithFiles};
use crate::actions;
use crate::actions::media::Upload;
use crate::actions::statuses::{Change, Composer, Draft, PollDraft};
use crate::app::AppState;
use crate::db;
use crate::db::users::User;
use crate::error::{AppError, PageError};
use crate::mastodon::params::{File, empty_as_none};
use crate::media::MAX_SIZE;
use crate::web::nav::Nav;

/// Files a post may carry, and choices a poll may have, as the form offers them.
const MEDIA_SLOTS: usize = 4;
const POLL_SLOTS: usize = actions::statuses::POLL_MAX_OPTIONS;

/// The largest composer form: four files at the upload limit, and the text fields.
pub const BODY_LIMIT: usize = MEDIA_SLOTS * MAX_SIZE + 1024 * 1024;

/// An option of a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The composer's form, filled with the member's defaults (or what they typed, after a refusal).
#[derive(Debug, Clone)]
pub struct ComposeBox {
    pub in_reply_to_id: Option<String>,
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub max_characters: u32,
    pub visibilities: Vec<Choice>,
    pub languages: Vec<Choice>,
    pub media_slots: Vec<usize>,
    pub poll_slots: Vec<usize>,
    pub error: Option<String>,
    /// Sent back with the form: the same form sent twice (a double click, a reload) posts once.
    pub idempotency_key: String,
}

fn visibility_choices(selected: &str) -> Vec<Choice> {
    [
        ("public", "Public"),
        ("unlisted", "Unlisted (not in public timelines)"),
        ("private", "Followers only"),
        ("direct", "Mentioned people only"),
    ]
    .into_iter()
    .map(|(value, label)| Choice {
        value: value.into(),
        label: label.into(),
        selected: value == selected,
    })
    .collect()
}

/// Of two visibilities, the one that shows the post to fewer people.
fn narrower<'a>(a: &'a str, b: &'a str) -> &'a str {
    let rank = |v: &str| {
        actions::statuses::VISIBILITIES
            .iter()
            .position(|x| *x == v)
            .unwrap_or(0)
    };
    if rank(b) > rank(a) { b } else { a }
}

/// The language choices, `selected` chosen; "not set" first (a post without a language is not
/// hidden by anyone's language filter).
fn language_choices(selected: Option<&str>) -> Vec<Choice> {
    let mut choices = vec![Choice {
        value: String::new(),
        label: "Not set".into(),
        selected: selected.is_none_or(str::is_empty),
    }];
    choices.extend(
        crate::mastodon::languages::LANGUAGES
            .iter()
            .map(|(code, name)| Choice {
                value: (*code).into(),
                label: format!("{name} ({code})"),
                selected: Some(*code) == selected,
            }),
    );
    choices
}

impl ComposeBox {
    /// An empty composer with `user`'s defaults, replying to `in_reply_to` when given (its id,
    /// the handles to start with, and its visibility: a reply is never more open than what it
    /// answers, so a reply to a direct message stays direct).
    pub fn new(state: &AppState, user: &User, in_reply_to: Option<(&str, String, &str)>) -> Self {
        let (in_reply_to_id, text, visibility) = match in_reply_to {
            Some((id, mentions, parent)) => (
                Some(id.to_owned()),
                mentions,
                narrower(&user.default_privacy, parent),
            ),
            None => (None, String::new(), user.default_privacy.as_str()),
        };
        ComposeBox {
            in_reply_to_id,
            text,
            spoiler_text: String::new(),
            sensitive: user.default_sensitive,
            max_characters: state.config.statuses.max_characters,
            visibilities: visibility_choices(visibility),
            languages: language_choices(user.default_language.as_deref()),
            media_slots: (1..=MEDIA_SLOTS).collect(),
            poll_slots: (1..=POLL_SLOTS).collect(),
            error: None,
            idempotency_key: crate::secrets::random_token().unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "compose.html")]
pub struct ComposePage {
    nav: Nav,
    signed_in: bool,
    csrf_token: String,
    here: String,
    heading: String,
    /// The post replied to, shown above the composer.
    parent: Option<PostView>,
    compose: ComposeBox,
}

#[derive(Debug, Deserialize, Default)]
pub struct ComposeQuery {
    #[serde(default, deserialize_with = "empty_as_none")]
    in_reply_to_id: Option<i64>,
}

/// The post `id` as the member sees it, or 404.
async fn visible_post(state: &AppState, member: &Member, id: i64) -> Result<PostView, PageError> {
    posts(state, &[id], Some(member.account_id()), "thread", None)
        .await?
        .into_iter()
        .find(|post| post.id == id.to_string())
        .ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                "That post does not exist or is not visible to you.",
            )
        })
}

/// The handles a reply starts with: the author's, then the others mentioned (not the member's).
pub async fn reply_mentions(state: &AppState, viewer: i64, parent: &PostView) -> Result<String, PageError> {
    let me = viewer.to_string();
    let mut handles = Vec::new();
    if parent.author.id != me {
        handles.push(parent.author.handle.clone());
    }
    let id = crate::ids::parse(&parent.id).unwrap_or_default();
    if let Some(status) = crate::mastodon::present::status(state, id, Some(viewer)).await? {
        let shown = status.reblog.as_deref().unwrap_or(&status);
        for mention in &shown.mentions {
            let handle = format!("@{}", mention.acct);
            if mention.id != me && !handles.contains(&handle) {
                handles.push(handle);
            }
        }
    }
    Ok(handles.into_iter().map(|handle| handle + " ").collect())
}

/// GET /statuses/new (`?in_reply_to_id=` for a reply)
pub async fn show_compose(
    State(state): State<AppState>,
    member: Member,
    uri: Uri,
    PageParams(query): PageParams<ComposeQuery>,
) -> Result<Response, PageError> {
    let (parent, compose) = match query.in_reply_to_id {
        Some(id) => {
            let parent = visible_post(&state, &member, id).await?;
            let mentions = reply_mentions(&state, member.account_id(), &parent).await?;
            let compose = ComposeBox::new(
                &state,
                &member.user,
                Some((&parent.id, mentions, &parent.visibility)),
            );
            (Some(parent), compose)
        }
        None => (None, ComposeBox::new(&state, &member.user, None)),
    };
    let page = ComposePage {
        nav: member.nav(),
        signed_in: true,
        csrf_token: member.csrf_token(),
        here: here(&uri),
        heading: if parent.is_some() {
            "Reply".into()
        } else {
            "New post".into()
        },
        parent,
        compose,
    };
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct ComposeForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    language: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    in_reply_to_id: Option<i64>,
    #[serde(default)]
    idempotency_key: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, serde_json::Value>,
}

impl ComposeForm {
    fn field(&self, name: &str) -> String {
        self.rest
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    fn poll(&self) -> Option<PollDraft> {
        let options: Vec<String> = (1..=POLL_SLOTS)
            .map(|slot| self.field(&format!("poll_option_{slot}")))
            .filter(|option| !option.is_empty())
            .collect();
        (!options.is_empty()).then(|| PollDraft {
            options,
            expires_in: self.field("poll_expires_in").parse().unwrap_or(86_400),
            multiple: self.field("poll_multiple") == "true",
            hide_totals: false,
        })
    }
}

/// Uploads the files the form carries, in slot order, with their descriptions.
async fn upload_media(
    state: &AppState,
    account_id: i64,
    form: &ComposeForm,
    files: &mut crate::mastodon::params::Files,
) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::new();
    for slot in 1..=MEDIA_SLOTS {
        let bytes = match files.take(&format!("media_{slot}")) {
            None => continue,
            Some(File::TooLarge) => return Err(AppError::TooLarge),
            Some(File::Bytes(bytes)) if bytes.is_empty() => continue,
            Some(File::Bytes(bytes)) => bytes,
        };
        let upload = Upload {
            bytes,
            description: form.field(&format!("media_{slot}_description")),
            focus: (0.0, 0.0),
        };
        let row = actions::media::upload(&state.db, &state.media, account_id, upload).await?;
        ids.push(row.id);
    }
    Ok(ids)
}

/// POST /statuses: posts, then shows the new post (or the form again with the problem).
pub async fn post_status(
    State(state): State<AppState>,
    member: Member,
    PageParamsWithFiles(form, mut files): PageParamsWithFiles<ComposeForm, MAX_SIZE>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let viewer = member.account_id();
    let attempt = async {
        let media_ids = upload_media(&state, viewer, &form, &mut files).await?;
        let language = Some(form.language.clone()).filter(|l| !l.is_empty());
        if let Some(language) = &language
            && !crate::mastodon::languages::is_known(language)
        {
            return Err(AppError::Invalid("Language is not a known ISO 639-1 code".into()));
        }
        let visibility = if form.visibility.is_empty() {
            member.user.default_privacy.clone()
        } else {
            form.visibility.clone()
        };
        let draft = Draft {
            text: form.status.clone(),
            spoiler_text: form.spoiler_text.trim().to_owned(),
            sensitive: form.sensitive,
            visibility,
            language,
            in_reply_to_id: form.in_reply_to_id,
            application_id: None,
            idempotency_key: Some(form.idempotency_key.chars().take(255).collect::<String>())
                .filter(|key| !key.is_empty()),
            poll: form.poll(),
            media_ids,
        };
        crate::federation::resolve::prepare_mentions(&state, &draft.text).await?;
        let composer = Composer::new(&state.config, &state.base_url);
        actions::statuses::post(&state.db, viewer, &composer, &draft).await
    };
    match attempt.await {
        Ok(id) => Ok(Redirect::to(&format!("/statuses/{id}")).into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Validation { .. } | AppError::TooLarge)) => {
            let mut compose = ComposeBox::new(&state, &member.user, None);
            compose.in_reply_to_id = form.in_reply_to_id.map(|id| id.to_string());
            compose.text = form.status.clone();
            compose.spoiler_text = form.spoiler_text.clone();
            compose.sensitive = form.sensitive;
            compose.visibilities = visibility_choices(&form.visibility);
            compose.languages =
                language_choices(Some(&form.language).filter(|l| !l.is_empty()).map(String::as_str));
            let message = error.public_message();
            compose.error = Some(format!(
                "{} Attached files, if any, need choosing again.",
                message.trim_start_matches("Validation failed: ")
            ));
            let parent = match form.in_reply_to_id {
                Some(id) => visible_post(&state, &member, id).await.ok(),
                None => None,
            };
            let page = ComposePage {
                nav: member.nav(),
                signed_in: true,
                csrf_token: member.csrf_token(),
                here: "/statuses/new".into(),
                heading: if form.in_reply_to_id.is_some() {
                    "Reply".into()
                } else {
                    "New post".into()
                },
                parent,
                compose,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "edit.html")]
pub struct EditPage {
    nav: Nav,
    csrf_token: String,
    id: i64,
    text: String,
    spoiler_text: String,
    sensitive: bool,
    languages: Vec<Choice>,
    max_characters: u32,
    error: Option<String>,
}

/// The member's own status `id` (another's, or none, is 404: the form is not offered).
async fn own_status(state: &AppState, member: &Member, id: &str) -> Result<db::statuses::Status, PageError> {
    crate::ids::parse(id)
        .map(|id| db::statuses::find(&state.db, id))
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "There is no such post."))?
        .await?
        .filter(|status| status.account_id == member.account_id() && status.reblog_of_id.is_none())
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "You can only edit your own posts."))
}

/// GET /statuses/:id/edit
pub async fn show_edit(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let status = own_status(&state, &member, &id).await?;
    let page = EditPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        id: status.id,
        text: status.text,
        spoiler_text: status.spoiler_text,
        sensitive: status.sensitive,
        languages: language_choices(status.language.as_deref()),
        max_characters: state.config.statuses.max_characters,
        error: None,
    };
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    language: String,
}

/// POST /statuses/:id/edit: the new text; media and poll stay as they are.
pub async fn save_edit(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    PageParams(form): PageParams<EditForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let status = own_status(&state, &member, &id).await?;
    let media_ids: Vec<i64> = db::media::list_by_status_ids(&state.db, &[status.id])
        .await?
        .iter()
        .map(|media| media.id)
        .collect();
    let change = Change {
        text: form.status.clone(),
        spoiler_text: form.spoiler_text.trim().to_owned(),
        sensitive: form.sensitive,
        language: Some(form.language.clone()).filter(|l| crate::mastodon::languages::is_known(l)),
        media_ids,
        media_changes: Vec::new(),
    };
    let attempt = async {
        crate::federation::resolve::prepare_mentions(&state, &change.text).await?;
        let composer = Composer::new(&state.config, &state.base_url);
        actions::statuses::edit(&state.db, member.account_id(), status.id, &composer, &change).await
    };
    match attempt.await {
        Ok(()) => Ok(Redirect::to(&format!("/statuses/{}", status.id)).into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Validation { .. })) => {
            let page = EditPage {
                nav: member.nav(),
                csrf_token: member.csrf_token(),
                id: status.id,
                text: form.status,
                spoiler_text: form.spoiler_text,
                sensitive: form.sensitive,
                languages: language_choices(Some(form.language.as_str())),
                max_characters: state.config.statuses.max_characters,
                error: Some(
                    error
                        .public_message()
                        .trim_start_matches("Validation failed: ")
                        .to_owned(),
                ),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct DeleteForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    return_to: String,
}

/// POST /statuses/:id/delete
pub async fn delete_status(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    PageParams(form): PageParams<DeleteForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let status = own_status(&state, &member, &id).await?;
    actions::statuses::delete(&state.db, &state.base_url, member.account_id(), status.id).await?;
    // The post's own page is gone: back to where the member was, unless that was it.
    let gone = format!("/statuses/{}", status.id);
    let return_to = if form.return_to.starts_with(&gone) {
        "/home"
    } else {
        &form.return_to
    };
    Ok(back_to(return_to, "/home").into_response())
}
