//! The instance endpoints: v1 and v2, peers, rules, descriptions, activity, languages.

use axum::Json;
use axum::extract::State;
use chrono::{Datelike, Duration, Utc};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::db;
use crate::error::AppResult;
use crate::mastodon::entities::instance::{InstanceFacts, rules};
use crate::mastodon::entities::{Account, InstanceV1, InstanceV2, Rule, format_time};
use crate::mastodon::languages::LANGUAGES;

/// Shown when the operator wrote no privacy policy of their own.
const DEFAULT_PRIVACY_POLICY: &str = include_str!("../../templates/default_privacy_policy.html");

async fn facts(state: &AppState) -> AppResult<InstanceFacts> {
    let contact_account = match state.config.instance.contact_username.as_str() {
        "" => None,
        username => db::accounts::find_local_by_username(&state.db, username)
            .await?
            .map(|row| Account::from_row(&row, &state.config)),
    };
    Ok(InstanceFacts {
        user_count: db::users::count(&state.db).await?,
        status_count: db::statuses::count_local(&state.db).await?,
        domain_count: db::accounts::list_known_domains(&state.db).await?.len() as i64,
        active_month: db::users::count_active_since(&state.db, Utc::now() - Duration::days(30)).await?,
        contact_account,
        vapid_public_key: state.vapid_key().await?.public_base64().to_owned(),
    })
}

/// GET /api/v2/instance
pub async fn get_instance_v2(State(state): State<AppState>) -> AppResult<Json<InstanceV2>> {
    Ok(Json(InstanceV2::new(&state.config, facts(&state).await?)))
}

/// GET /api/v1/instance
pub async fn get_instance_v1(State(state): State<AppState>) -> AppResult<Json<InstanceV1>> {
    Ok(Json(InstanceV1::new(&state.config, facts(&state).await?)))
}

/// GET /api/v1/instance/peers
///
/// Suspended domains are not peers: we do not federate with them.
pub async fn get_peers(State(state): State<AppState>) -> AppResult<Json<Vec<String>>> {
    let mut domains = db::accounts::list_known_domains(&state.db).await?;
    domains.retain(|domain| !state.federation.policy.is_suspended(domain));
    Ok(Json(domains))
}

/// GET /api/v1/instance/rules
pub async fn get_rules(State(state): State<AppState>) -> Json<Vec<Rule>> {
    Json(rules(&state.config))
}

/// The time the configuration was read, as "last updated" for texts that live in it.
fn config_time() -> String {
    static STARTED: std::sync::OnceLock<chrono::DateTime<Utc>> = std::sync::OnceLock::new();
    format_time(*STARTED.get_or_init(Utc::now))
}

/// GET /api/v1/instance/extended_description
pub async fn get_extended_description(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "updated_at": config_time(), "content": state.config.instance.extended_description }))
}

/// GET /api/v1/instance/privacy_policy
pub async fn get_privacy_policy(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "updated_at": config_time(), "content": privacy_policy_html(&state) }))
}

/// The operator's privacy policy, or the built-in one.
pub fn privacy_policy_html(state: &AppState) -> String {
    match state.config.instance.privacy_policy.as_str() {
        "" => {
            DEFAULT_PRIVACY_POLICY.replace("{domain}", &crate::text::escape_html(&state.config.server.domain))
        }
        own => own.to_owned(),
    }
}

/// GET /api/v1/instance/activity
pub async fn get_activity(State(state): State<AppState>) -> AppResult<Json<Vec<Value>>> {
    let today = Utc::now().date_naive();
    let this_week = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let weeks: Vec<chrono::DateTime<Utc>> = (0..12)
        .filter_map(|i| (this_week - Duration::weeks(i)).and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .collect();
    let since = weeks.last().copied().unwrap_or_else(Utc::now);
    let registrations = db::users::count_registrations_since(&state.db, since).await?;
    let logins = db::oauth::count_logins_since(&state.db, since).await?;
    let statuses = db::statuses::count_local_by_week_since(&state.db, since).await?;
    let count_in = |rows: &[(chrono::DateTime<Utc>, i64)], week: chrono::DateTime<Utc>| {
        rows.iter()
            .find(|(w, _)| *w == week)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    Ok(Json(
        weeks
            .iter()
            .map(|week| {
                json!({
                    "week": week.timestamp().to_string(),
                    "statuses": count_in(&statuses, *week).to_string(),
                    "logins": count_in(&logins, *week).to_string(),
                    "registrations": count_in(&registrations, *week).to_string(),
                })
            })
            .collect(),
    ))
}

/// GET /api/v1/instance/languages
pub async fn get_languages() -> Json<Vec<Value>> {
    Json(
        LANGUAGES
            .iter()
            .map(|(code, name)| json!({ "code": code, "name": name }))
            .collect(),
    )
}
