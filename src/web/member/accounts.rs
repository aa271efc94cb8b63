//! Accounts as members see them: any account's page (local or remote) with follow, block and
//! mute buttons, its followers and following, the member's follow requests, and remote follow.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::PageParams;
use super::post_view::{AccountLine, PostView};
use super::timelines::{PAGE_SIZE, PageQuery, page_links, posts};
use super::{Member, here, plural};
use crate::app::AppState;
use crate::db;
use crate::db::timelines::AccountFilter;
use crate::error::PageError;
use crate::mastodon::entities::Account;
use crate::mastodon::present;
use crate::web::nav::Nav;
use crate::web::session::Browser;

/// A profile field: both parts HTML (the name escaped text, the value sanitized links).
#[derive(Debug, Clone)]
pub struct FieldLine {
    pub name_html: String,
    pub value_html: String,
}

/// How the member stands with the account: what the buttons offer.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    pub own: bool,
    pub following: bool,
    pub requested: bool,
    pub followed_by: bool,
    pub blocking: bool,
    pub muting: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    nav: Nav,
    signed_in: bool,
    csrf_token: String,
    here: String,
    account: AccountLine,
    note_html: String,
    header: String,
    fields: Vec<FieldLine>,
    counts: String,
    /// The account's page on its own server, for remote accounts.
    remote_url: Option<String>,
    standing: Option<Standing>,
    hide_collections: bool,
    posts: Vec<PostView>,
    older: Option<String>,
}

fn missing() -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        "That account does not exist here, or is not available.",
    )
}

async fn visible_account(state: &AppState, id: &str) -> Result<Account, PageError> {
    let id = crate::ids::parse(id).ok_or_else(missing)?;
    present::account(state, id).await?.ok_or_else(missing)
}

/// GET /accounts/:id
pub async fn show_account(
    State(state): State<AppState>,
    browser: Browser,
    uri: Uri,
    Path(id): Path<String>,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    let account = visible_account(&state, &id).await?;
    let target = crate::ids::parse(&account.id).ok_or_else(missing)?;
    let viewer = browser.user.as_ref().map(|u| u.account_id);
    let standing = match viewer {
        None => None,
        Some(viewer) if viewer == target => Some(Standing {
            own: true,
            ..Standing::default()
        }),
        Some(viewer) => {
            let relation = db::follows::list_relationships(&state.db, viewer, &[target])
                .await?
                .into_iter()
                .next();
            Some(relation.map_or_else(Standing::default, |r| Standing {
                own: false,
                following: r.following,
                requested: r.requested,
                followed_by: r.followed_by,
                blocking: r.blocking,
                muting: r.muting,
            }))
        }
    };
    let filter = AccountFilter::default();
    let ids = db::timelines::account(&state.db, target, viewer, &filter, &query.page()).await?;
    let (_, older) = page_links(&format!("/accounts/{target}"), &ids, PAGE_SIZE);
    let local = !account.acct.contains('@');
    let page = AccountPage {
        nav: Nav::of(&browser),
        signed_in: viewer.is_some(),
        csrf_token: browser.csrf_token.clone(),
        here: here(&uri),
        note_html: account.note.clone(),
        header: account.header.clone(),
        fields: account
            .fields
            .iter()
            .map(|field| FieldLine {
                // The API escapes local names itself; remote names are plain text.
                name_html: if local {
                    field.name.clone()
                } else {
                    crate::text::escape_html(&field.name)
                },
                value_html: field.value.clone(),
            })
            .collect(),
        counts: format!(
            "{} · {} · {}",
            plural(account.statuses_count, "post", "posts"),
            plural(account.following_count, "following", "following"),
            plural(account.followers_count, "follower", "followers"),
        ),
        remote_url: (!local).then(|| account.url.clone()),
        standing,
        hide_collections: account.hide_collections && viewer != Some(target),
        posts: posts(&state, &ids, viewer, "account", None).await?,
        older,
        account: AccountLine::new(&account),
    };
    Ok((browser.jar, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "account_list.html")]
pub struct AccountListPage {
    nav: Nav,
    csrf_token: String,
    here: String,
    heading: String,
    accounts: Vec<AccountLine>,
    /// Follow requests offer accept and reject.
    requests: bool,
    empty: String,
    older: Option<String>,
}

async fn follow_list(
    state: &AppState,
    browser: Browser,
    uri: &Uri,
    id: &str,
    query: &PageQuery,
    followers: bool,
) -> Result<Response, PageError> {
    let account = visible_account(state, id).await?;
    let target = crate::ids::parse(&account.id).ok_or_else(missing)?;
    let viewer = browser.user.as_ref().map(|u| u.account_id);
    let hidden = account.hide_collections && viewer != Some(target);
    let pairs = if hidden {
        Vec::new()
    } else if followers {
        db::follows::list_followers(&state.db, target, &query.page()).await?
    } else {
        db::follows::list_following(&state.db, target, &query.page()).await?
    };
    let ids: Vec<i64> = pairs.iter().map(|(_, account)| *account).collect();
    let paging: Vec<i64> = pairs.iter().map(|(follow, _)| *follow).collect();
    let kind = if followers { "followers" } else { "following" };
    let (_, older) = page_links(&format!("/accounts/{target}/{kind}"), &paging, PAGE_SIZE);
    let name = AccountLine::new(&account).display_name;
    let page = AccountListPage {
        nav: Nav::of(&browser),
        csrf_token: browser.csrf_token.clone(),
        here: here(uri),
        heading: if followers {
            format!("Followers of {name}")
        } else {
            format!("Followed by {name}")
        },
        accounts: present::accounts_in_order(state, &ids)
            .await?
            .iter()
            .map(AccountLine::new)
            .collect(),
        requests: false,
        empty: if hidden {
            "This account keeps this list private.".into()
        } else {
            "Nobody yet.".into()
        },
        older,
    };
    Ok((browser.jar, page).into_response())
}

/// GET /accounts/:id/followers
pub async fn show_followers(
    State(state): State<AppState>,
    browser: Browser,
    uri: Uri,
    Path(id): Path<String>,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    follow_list(&state, browser, &uri, &id, &query, true).await
}

/// GET /accounts/:id/following
pub async fn show_following(
    State(state): State<AppState>,
    browser: Browser,
    uri: Uri,
    Path(id): Path<String>,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    follow_list(&state, browser, &uri, &id, &query, false).await
}

/// GET /follow_requests: who asks to follow the member, with accept and reject.
pub async fn show_follow_requests(
    State(state): State<AppState>,
    member: Member,
    uri: Uri,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    let pairs = db::follow_requests::list_requesters(
        &state.db,
        member.account_id(),
        query.page().max_id,
        None,
        query.page().min_id,
        PAGE_SIZE,
    )
    .await?;
    let ids: Vec<i64> = pairs.iter().map(|(_, account)| *account).collect();
    let paging: Vec<i64> = pairs.iter().map(|(request, _)| *request).collect();
    let (_, older) = page_links("/follow_requests", &paging, PAGE_SIZE);
    let page = AccountListPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        here: here(&uri),
        heading: "Follow requests".into(),
        accounts: present::accounts_in_order(&state, &ids)
            .await?
            .iter()
            .map(AccountLine::new)
            .collect(),
        requests: true,
        empty: "Nobody is waiting for your approval.".into(),
        older,
    };
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct RemoteFollowQuery {
    #[serde(default)]
    acct: String,
    #[serde(default)]
    server: String,
}

/// GET /remote_follow?acct=NAME&server=THEIRS: a visitor follows a member from their own
/// server, which is sent the handle at its `/authorize_interaction` (as Mastodon's are).
pub async fn remote_follow(
    State(state): State<AppState>,
    PageParams(query): PageParams<RemoteFollowQuery>,
) -> Result<Response, PageError> {
    let server = server_name(&query.server);
    let plausible = !server.is_empty()
        && server.len() <= 253
        && server.contains('.')
        && server
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if !plausible {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Give the name of your server (for example mastodon.social) or your handle (@you@your.server).",
        ));
    }
    let username = query.acct.trim().trim_start_matches('@');
    let account = db::accounts::find_local_by_username(&state.db, username)
        .await?
        .ok_or_else(missing)?;
    let uri: String = form_urlencoded::byte_serialize(
        format!("acct:{}@{}", account.username, state.config.server.domain).as_bytes(),
    )
    .collect();
    // A page naming the destination rather than a redirect: this site never sends a browser
    // elsewhere unseen (anyone can make such a link with any server name in it).
    let page = LeavingPage {
        nav: Nav::visitor(),
        handle: format!("@{}@{}", account.username, state.config.server.domain),
        server,
        destination: format!("https://{}/authorize_interaction?uri={uri}", query.server_name()),
    };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "leaving.html")]
pub struct LeavingPage {
    nav: Nav,
    handle: String,
    server: String,
    destination: String,
}

impl RemoteFollowQuery {
    fn server_name(&self) -> String {
        server_name(&self.server)
    }
}

/// The host a visitor named, from a server name, a URL or a handle.
fn server_name(given: &str) -> String {
    given
        .trim()
        .trim_start_matches('@')
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_ascii_lowercase()
}
