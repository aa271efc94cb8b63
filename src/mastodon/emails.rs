//! `POST /api/v1/emails/confirmations`: the confirmation mail again, perhaps to a corrected address.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::actions;
use crate::app::AppState;
use crate::error::AppResult;
use crate::mastodon::auth::UnconfirmedAuth;
use crate::mastodon::params::Params;

#[derive(Debug, Deserialize, Default)]
pub struct ConfirmationParams {
    /// A corrected address, replacing the unconfirmed one.
    #[serde(default)]
    email: Option<String>,
}

/// POST /api/v1/emails/confirmations
pub async fn resend_confirmation(
    State(state): State<AppState>,
    UnconfirmedAuth(auth): UnconfirmedAuth,
    Params(params): Params<ConfirmationParams>,
) -> AppResult<Json<serde_json::Value>> {
    let user = auth.user()?;
    actions::emails::resend_confirmation(&state, user.user_id, params.email.as_deref()).await?;
    Ok(Json(serde_json::json!({})))
}
