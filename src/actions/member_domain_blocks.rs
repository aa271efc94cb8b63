//! Members' own domain blocks: blocking a domain (and its subdomains) for oneself severs one's
//! follows with accounts there, both ways, and records what was lost.

use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::federation::events;
use crate::moderation::domain_name::normalize;

/// The normalized domain a member asked to block or unblock (422 for nothing usable).
pub fn domain_for_block(state: &AppState, input: &str) -> AppResult<String> {
    let domain = normalize(input)
        .ok_or_else(|| AppError::Invalid(format!("Validation failed: Domain {input:?} is invalid")))?;
    if normalize(&state.config.server.domain).as_deref() == Some(domain.as_str()) {
        return Err(AppError::Invalid(
            "Validation failed: Domain cannot be this server's own".into(),
        ));
    }
    Ok(domain)
}

/// Blocks `input` for `viewer`: their follows with accounts at or under the domain end both ways
/// (the remote servers are told: Undo for the viewer's follows, Reject for their followers),
/// pending requests either way are withdrawn or refused, notifications from there go, and when
/// anything was severed the viewer gets a `severed_relationships` notification listing it.
/// Blocking a domain again changes nothing.
pub async fn block(state: &AppState, viewer: i64, input: &str) -> AppResult<()> {
    let domain = domain_for_block(state, input)?;
    let base_url = &*state.base_url;
    let mut tx = crate::db::begin(&state.db).await?;
    db::account_domain_blocks::insert(&mut *tx, viewer, &domain).await?;
    let there = db::account_domain_blocks::list_counterparts(&mut tx, viewer, &domain).await?;
    for &target in there.following.iter().chain(&there.requested) {
        events::unfollowed(&mut tx, base_url, viewer, target).await?;
        db::follows::delete_follow(&mut *tx, viewer, target).await?;
        db::follows::take_request(&mut *tx, viewer, target).await?;
        crate::actions::lists::remove_unfollowed(&mut tx, viewer, target).await?;
        db::featured::set_endorsement(&mut *tx, viewer, target, false).await?;
    }
    for &follower in there.followers.iter().chain(&there.requesters) {
        events::follow_rejected(&mut tx, base_url, viewer, follower).await?;
        db::follows::delete_follow(&mut *tx, follower, viewer).await?;
        db::follows::take_request(&mut *tx, follower, viewer).await?;
        db::notifications::delete_follow_request(&mut *tx, viewer, follower).await?;
    }
    db::account_domain_blocks::delete_notifications_from(&mut *tx, viewer, &domain).await?;
    if !there.following.is_empty() || !there.followers.is_empty() {
        let event = db::account_domain_blocks::insert_severance_event(&mut *tx, &domain).await?;
        db::account_domain_blocks::insert_severed(&mut *tx, event, viewer, &there.following, "following")
            .await?;
        db::account_domain_blocks::insert_severed(&mut *tx, event, viewer, &there.followers, "follower")
            .await?;
        db::severances::notify(&mut *tx, event, &[viewer]).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Lifts the viewer's block of `input` (nothing severed comes back); lifting one that does not
/// exist changes nothing.
pub async fn unblock(state: &AppState, viewer: i64, input: &str) -> AppResult<()> {
    let domain = domain_for_block(state, input)?;
    db::account_domain_blocks::delete(&state.db, viewer, &domain).await?;
    Ok(())
}
