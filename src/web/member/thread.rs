//! One post with its thread (what it answers and the replies), and a reply box for members.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::compose::ComposeBox;
use super::here;
use super::post_view::PostView;
use super::timelines::posts;
use crate::app::AppState;
use crate::db;
use crate::error::PageError;
use crate::web::nav::Nav;
use crate::web::session::Browser;

#[derive(Template, WebTemplate)]
#[template(path = "thread.html")]
pub struct ThreadPage {
    nav: Nav,
    signed_in: bool,
    csrf_token: String,
    here: String,
    ancestors: Vec<PostView>,
    focus: PostView,
    descendants: Vec<PostView>,
    compose: Option<ComposeBox>,
}

fn not_found() -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        "That post does not exist, or it is not visible to you.",
    )
}

/// GET /statuses/:id: the post and its thread, as the reader may see them (a visitor sees what
/// the public may, a member what the API would show them).
pub async fn show_thread(
    State(state): State<AppState>,
    browser: Browser,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let viewer = browser.user.as_ref().map(|user| user.account_id);
    let id = crate::ids::parse(&id).ok_or_else(not_found)?;
    let status = db::statuses::find_visible(&state.db, id, viewer)
        .await?
        .ok_or_else(not_found)?;
    if let Some(original) = status.reblog_of_id {
        return Ok(axum::response::Redirect::to(&format!("/statuses/{original}")).into_response());
    }
    let ancestors = db::statuses::list_ancestor_ids(&state.db, status.id, viewer).await?;
    let descendants = db::statuses::list_descendant_ids(&state.db, status.id, viewer).await?;
    let focus = posts(&state, &[status.id], viewer, "thread", None)
        .await?
        .into_iter()
        .next()
        .ok_or_else(not_found)?;
    let compose = match &browser.user {
        Some(user) => {
            let mentions = super::compose::reply_mentions(&state, user.account_id, &focus).await?;
            Some(ComposeBox::new(
                &state,
                user,
                Some((&focus.id, mentions, &focus.visibility)),
            ))
        }
        None => None,
    };
    let page = ThreadPage {
        nav: Nav::of(&browser),
        signed_in: viewer.is_some(),
        csrf_token: browser.csrf_token.clone(),
        here: here(&uri),
        ancestors: posts(&state, &ancestors, viewer, "thread", None).await?,
        focus,
        descendants: posts(&state, &descendants, viewer, "thread", None).await?,
        compose,
    };
    Ok((browser.jar, page).into_response())
}
