//! The About page (rules, description, contact, moderated servers) and the privacy policy page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::config::DomainBlocksVisibility;
use crate::db;
use crate::error::PageError;
use crate::web::moderated_servers::{ModeratedServer, public_list};
use crate::web::session::Browser;

#[derive(Template, WebTemplate)]
#[template(path = "about.html")]
pub struct AboutPage {
    nav: crate::web::nav::Nav,
    title: String,
    domain: String,
    description: String,
    extended_description: String,
    contact_email: String,
    rules: Vec<String>,
    /// `None` when the reader may not see the list (`federation.show_domain_blocks`).
    moderated_servers: Option<Vec<ModeratedServer>>,
}

/// GET /about
pub async fn show_about(State(state): State<AppState>, browser: Browser) -> Result<Response, PageError> {
    let instance = &state.config.instance;
    let shown = match state.config.federation.show_domain_blocks {
        DomainBlocksVisibility::Hidden => false,
        DomainBlocksVisibility::Users => browser.user.is_some(),
        DomainBlocksVisibility::All => true,
    };
    let moderated_servers = if shown {
        let rows = db::domain_blocks::list(&state.db).await?;
        Some(public_list(&state.config, &rows))
    } else {
        None
    };
    let page = AboutPage {
        nav: crate::web::nav::Nav::of(&browser),
        title: state.config.title().to_owned(),
        domain: state.config.server.domain.clone(),
        description: instance.description.clone(),
        extended_description: instance.extended_description.clone(),
        contact_email: instance.contact_email.clone(),
        rules: instance.rules.clone(),
        moderated_servers,
    };
    // No forms here: the browser's cookies stay as they are (the page stays cacheable).
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "privacy_policy.html")]
pub struct PrivacyPolicyPage {
    nav: crate::web::nav::Nav,
    title: String,
    policy: String,
}

/// GET /privacy-policy
pub async fn show_privacy_policy(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> PrivacyPolicyPage {
    PrivacyPolicyPage {
        nav: crate::web::nav::Nav::peek(&state, &headers).await,
        title: state.config.title().to_owned(),
        policy: crate::mastodon::privacy_policy_html(&state),
    }
}
