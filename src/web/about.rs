//! The About page (rules, description, contact) and the privacy policy page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::app::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "about.html")]
pub struct AboutPage {
    title: String,
    domain: String,
    description: String,
    extended_description: String,
    contact_email: String,
    rules: Vec<String>,
}

/// GET /about
pub async fn show_about(State(state): State<AppState>) -> AboutPage {
    let instance = &state.config.instance;
    AboutPage {
        title: state.config.title().to_owned(),
        domain: state.config.server.domain.clone(),
        description: instance.description.clone(),
        extended_description: instance.extended_description.clone(),
        contact_email: instance.contact_email.clone(),
        rules: instance.rules.clone(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "privacy_policy.html")]
pub struct PrivacyPolicyPage {
    title: String,
    policy: String,
}

/// GET /privacy-policy
pub async fn show_privacy_policy(State(state): State<AppState>) -> PrivacyPolicyPage {
    PrivacyPolicyPage {
        title: state.config.title().to_owned(),
        policy: crate::mastodon::privacy_policy_html(&state),
    }
}
