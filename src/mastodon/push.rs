//! Web Push subscriptions: `/api/v1/push/subscription` (one per access token, `push` scope).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::actions::push_subscriptions::{self, ALERT_TYPES, Subscribe};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::format_id;
use crate::mastodon::params::Params;

/// WebPushSubscription, as Mastodon answers it.
#[derive(Debug, Serialize)]
pub struct WebPushSubscription {
    pub id: String,
    pub endpoint: String,
    pub standard: bool,
    /// Every alert name, on or off.
    pub alerts: Map<String, Value>,
    pub policy: String,
    pub server_key: String,
}

impl WebPushSubscription {
    fn new(row: &db::push::Subscription, server_key: &str) -> Self {
        let alerts = ALERT_TYPES
            .iter()
            .map(|name| ((*name).to_owned(), json!(row.alerts.iter().any(|a| a == name))))
            .collect();
        Self {
            id: format_id(row.id),
            endpoint: row.endpoint.clone(),
            standard: row.standard,
            alerts,
            policy: row.policy.clone(),
            server_key: server_key.to_owned(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Keys {
    p256dh: String,
    auth: String,
}

#[derive(Debug, Deserialize)]
pub struct SubscriptionPart {
    endpoint: String,
    keys: Keys,
    #[serde(default)]
    standard: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct DataPart {
    #[serde(default)]
    alerts: BTreeMap<String, bool>,
    #[serde(default)]
    policy: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CreateParams {
    subscription: Option<SubscriptionPart>,
    #[serde(default)]
    data: DataPart,
}

#[derive(Debug, Deserialize)]
pub struct UpdateParams {
    #[serde(default)]
    data: DataPart,
    /// Some clients send the policy beside `data`.
    #[serde(default)]
    policy: Option<String>,
}

async fn answer(state: &AppState, row: &db::push::Subscription) -> AppResult<Json<WebPushSubscription>> {
    let key = state.vapid_key().await?;
    Ok(Json(WebPushSubscription::new(row, key.public_base64())))
}

/// POST /api/v1/push/subscription
pub async fn create_subscription(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<CreateParams>,
) -> AppResult<Json<WebPushSubscription>> {
    let user = auth.require_user(&["push"])?;
    let part = params
        .subscription
        .ok_or_else(|| AppError::Invalid("Validation failed: Endpoint can't be blank".into()))?;
    let alerts = params
        .data
        .alerts
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect();
    let row = push_subscriptions::subscribe(
        &state,
        &Subscribe {
            access_token_id: auth.token_id,
            account_id: user.account_id,
            access_token: &auth.token,
            endpoint: &part.endpoint,
            p256dh: &part.keys.p256dh,
            auth: &part.keys.auth,
            standard: part.standard,
            alerts,
            policy: params.data.policy.as_deref(),
        },
    )
    .await?;
    answer(&state, &row).await
}

/// GET /api/v1/push/subscription
pub async fn get_subscription(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<WebPushSubscription>> {
    auth.require_user(&["push"])?;
    let row = db::push::find_by_token(&state.db, auth.token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    answer(&state, &row).await
}

/// PUT /api/v1/push/subscription
pub async fn update_subscription(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<UpdateParams>,
) -> AppResult<Json<WebPushSubscription>> {
    auth.require_user(&["push"])?;
    let alerts: Vec<(String, bool)> = params.data.alerts.into_iter().collect();
    let policy = params.data.policy.or(params.policy);
    let row = push_subscriptions::update(&state, auth.token_id, &alerts, policy.as_deref()).await?;
    answer(&state, &row).await
}

/// DELETE /api/v1/push/subscription
pub async fn delete_subscription(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Value>> {
    auth.require_user(&["push"])?;
    push_subscriptions::unsubscribe(&state, auth.token_id).await?;
    Ok(Json(json!({})))
}
