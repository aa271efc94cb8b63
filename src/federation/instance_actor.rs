//! The instance actor (`/actor`, an Application): its key pair signs our fetches.
//!
//! Servers in authorized-fetch mode answer only signed requests; signing as the instance rather
//! than as a member reveals nothing about who asked.

use std::sync::Arc;

use anyhow::Context;

use super::signatures::SigningKey;
use super::{keys, urls};
use crate::app::AppState;
use crate::db;
use crate::error::AppResult;

/// The instance actor's key pair, created on first use and kept in the database.
pub async fn key_pair(pool: &sqlx::PgPool) -> AppResult<keys::KeyPairPem> {
    if let Some(pair) = db::instance_actor::load(pool).await? {
        return Ok(pair);
    }
    let generated = tokio::task::spawn_blocking(keys::generate)
        .await
        .context("generating the instance actor's key")??;
    // Another process may have won the race: the stored pair is the one used.
    db::instance_actor::insert_if_missing(pool, &generated).await?;
    db::instance_actor::load(pool)
        .await?
        .context("the instance actor's key was not stored")
        .map_err(Into::into)
}

/// The key our fetches are signed with (loaded once per process).
pub async fn signing_key(state: &AppState) -> AppResult<Arc<SigningKey>> {
    let key = state
        .federation
        .instance_key
        .get_or_try_init(|| async {
            let pair = key_pair(&state.db).await?;
            let key = SigningKey::from_pem(urls::instance_key_id(&state.base_url), &pair.private_pem)?;
            AppResult::Ok(Arc::new(key))
        })
        .await?;
    Ok(key.clone())
}
