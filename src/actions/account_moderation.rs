//! Account-level moderation by the staff: the same sanctions as domain rules, for one account
//! (local or remote), plus a member's login (approve, reject, disable).

use sqlx::PgPool;

use crate::app::AppState;
use crate::db;
use crate::email::{self, notices};
use crate::error::{AppError, AppResult};

/// What `POST /api/v1/admin/accounts/:id/action` does (Mastodon's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sanction {
    /// Nothing beyond resolving the report named.
    None,
    /// The account's media are shown as sensitive.
    Sensitive,
    /// The member cannot sign in or use tokens (local accounts only).
    Disable,
    /// Limit: hidden from those who do not follow it.
    Silence,
    /// Suspend: a local member cannot sign in and its profile is gone; a remote account's
    /// follows with members are severed and its content purged.
    Suspend,
}

impl Sanction {
    /// Reads Mastodon's word.
    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "none" => Self::None,
            "sensitive" => Self::Sensitive,
            "disable" => Self::Disable,
            "silence" => Self::Silence,
            "suspend" => Self::Suspend,
            _ => return None,
        })
    }
}

/// What lifts a sanction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lift {
    Enable,
    Unsilence,
    Unsuspend,
    Unsensitive,
}

/// Who acts: the staff member's account and role (`admin` or `moderator`).
#[derive(Debug, Clone, Copy)]
pub struct Moderator<'a> {
    pub account_id: i64,
    pub role: &'a str,
}

fn rank(role: Option<&str>) -> u8 {
    match role {
        Some("admin") => 2,
        Some("moderator") => 1,
        _ => 0,
    }
}

fn not_allowed() -> AppError {
    AppError::Forbidden("This action is not allowed".into())
}

/// The target's standing, refusing staff of the moderator's rank or above (as Mastodon: a
/// moderator acts on members, an admin on moderators and members) and the moderator themself.
async fn target(
    pool: &PgPool,
    moderator: Moderator<'_>,
    id: i64,
) -> AppResult<db::account_moderation::Standing> {
    let standing = db::account_moderation::find(pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let target_rank = rank(standing.role.as_deref());
    if standing.account_id == moderator.account_id
        || (target_rank > 0 && target_rank >= rank(Some(moderator.role)))
    {
        return Err(not_allowed());
    }
    Ok(standing)
}

/// Takes `sanction` against an account; a report named is resolved, and any sanction but
/// `None` resolves every open report about the account.
pub async fn act(
    pool: &PgPool,
    base_url: &str,
    moderator: Moderator<'_>,
    id: i64,
    sanction: Sanction,
    report_id: Option<i64>,
) -> AppResult<()> {
    let standing = target(pool, moderator, id).await?;
    if sanction == Sanction::Disable {
        admins_only(&moderator)?;
    }
    if let Some(report_id) = report_id {
        let report = db::reports::find(pool, report_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if report.target_account_id != id {
            return Err(AppError::Invalid("The report is not about this account".into()));
        }
    }
    let mut tx = crate::db::begin(pool).await?;
    match sanction {
        Sanction::None => {}
        Sanction::Sensitive => db::account_moderation::set_sensitized(&mut *tx, id, true).await?,
        Sanction::Disable => db::account_moderation::set_disabled(&mut *tx, id, true).await?,
        Sanction::Silence => db::account_moderation::set_silenced(&mut *tx, id, true).await?,
        Sanction::Suspend => {
            db::account_moderation::set_suspended(&mut *tx, id, true).await?;
            if let Some(domain) = &standing.domain {
                let name = format!("{}@{domain}", standing.username);
                let event = db::severances::insert_event(&mut *tx, "account_suspension", &name).await?;
                let members =
                    db::account_moderation::record_follows_with_account(&mut *tx, event, id).await?;
                if members.is_empty() {
                    db::severances::delete_event(&mut *tx, event).await?;
                } else {
                    db::severances::notify(&mut *tx, event, &members).await?;
                }
                db::remote_accounts::purge_content(&mut tx, id).await?;
            } else {
                // As Mastodon: the servers that know a member are sent their actor, now saying
                // `suspended`, so that they hide it too.
                crate::federation::events::profile_updated(&mut tx, base_url, id).await?;
            }
        }
    }
    if let Some(report_id) = report_id {
        db::reports::resolve(&mut *tx, report_id, moderator.account_id).await?;
    }
    if sanction != Sanction::None {
        db::reports::resolve_all_about(&mut *tx, id, moderator.account_id).await?;
    }
    tx.commit().await?;
    tracing::info!(
        account = id,
        ?sanction,
        by = moderator.account_id,
        "account moderated"
    );
    Ok(())
}

/// Lifts a sanction. Lifting a suspension restores nothing that was purged; a member's servers
/// are sent their actor again, no longer suspended.
pub async fn lift(
    pool: &PgPool,
    base_url: &str,
    moderator: Moderator<'_>,
    id: i64,
    lift: Lift,
) -> AppResult<()> {
    let standing = target(pool, moderator, id).await?;
    if lift == Lift::Enable {
        admins_only(&moderator)?;
    }
    match lift {
        Lift::Enable => db::account_moderation::set_disabled(pool, id, false).await?,
        Lift::Unsilence => db::account_moderation::set_silenced(pool, id, false).await?,
        Lift::Unsuspend => {
            // A deleted member (sign-in gone, data purged) stays suspended: lifting it would
            // bring back an empty profile under a name that only reserves the account.
            if standing.domain.is_none() && standing.user_id.is_none() {
                return Err(not_allowed());
            }
            let mut tx = crate::db::begin(pool).await?;
            db::account_moderation::set_suspended(&mut *tx, id, false).await?;
            if standing.domain.is_none() {
                crate::federation::events::profile_updated(&mut tx, base_url, id).await?;
            }
            tx.commit().await?;
        }
        Lift::Unsensitive => db::account_moderation::set_sensitized(pool, id, false).await?,
    }
    Ok(())
}

/// A pending sign-up, refused with 403 unless it is one (as Mastodon).
async fn pending(pool: &PgPool, moderator: Moderator<'_>, id: i64) -> AppResult<()> {
    let standing = target(pool, moderator, id).await?;
    if standing.approved != Some(false) {
        return Err(not_allowed());
    }
    Ok(())
}

/// Approves a pending sign-up, and tells the applicant by mail.
pub async fn approve(state: &AppState, moderator: Moderator<'_>, id: i64) -> AppResult<()> {
    pending(&state.db, moderator, id).await?;
    let mut tx = crate::db::begin(&state.db).await?;
    if db::users::approve(&mut *tx, id).await? {
        tell_applicant(&mut tx, state, id, true).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Rejects a pending sign-up: the account goes altogether, freeing its username and address;
/// the applicant is told by mail.
pub async fn reject(state: &AppState, moderator: Moderator<'_>, id: i64) -> AppResult<()> {
    pending(&state.db, moderator, id).await?;
    let mut tx = crate::db::begin(&state.db).await?;
    tell_applicant(&mut tx, state, id, false).await?;
    tx.commit().await?;
    db::account_moderation::delete_account(&state.db, id).await?;
    Ok(())
}

async fn tell_applicant(
    tx: &mut sqlx::PgConnection,
    state: &AppState,
    account_id: i64,
    approved: bool,
) -> AppResult<()> {
    let Some(user) = db::users::find_by_account(&mut *tx, account_id).await? else {
        return Ok(());
    };
    let Some(account) = db::accounts::find(&mut *tx, account_id).await? else {
        return Ok(());
    };
    let sign_in = format!("{}/auth/sign_in", state.base_url);
    let notice = notices::sign_up_decided(&account.username, approved, &sign_in);
    email::queue(&mut *tx, notice.render(&user.email, state.config.title())?).await?;
    Ok(())
}

/// Tells a member what the staff did to their account and why (the admin API's
/// `send_email_notification`): an account warning, its `moderation_warning` notification, and
/// a mail. Nothing for remote accounts.
pub async fn warn(state: &AppState, moderator: i64, id: i64, action: &str, text: &str) -> AppResult<()> {
    let Some(user) = db::users::find_by_account(&state.db, id).await? else {
        return Ok(());
    };
    let account = db::accounts::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let notice = notices::moderation_warning(&account.username, action, text);
    let mut tx = crate::db::begin(&state.db).await?;
    db::account_warnings::insert_and_notify(&mut tx, moderator, id, action, text).await?;
    email::queue(&mut *tx, notice.render(&user.email, state.config.title())?).await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses what Mastodon keeps for admins (deleting a member's data, their sign-in access):
/// moderators handle reports and sanctions, not irreversible or access-level changes.
fn admins_only(moderator: &Moderator<'_>) -> AppResult<()> {
    if moderator.role == "admin" {
        Ok(())
    } else {
        Err(not_allowed())
    }
}

/// Deletes the data of a suspended account (403 otherwise, as Mastodon; a member's deletion is
/// sent to other servers as Delete(Person)): its statuses, media,
/// follows, favourites and notifications, and a member's sign-in; the row stays, reserving the
/// name.
pub async fn delete_data(
    pool: &PgPool,
    base_url: &str,
    store: &crate::media::store::MediaStore,
    moderator: Moderator<'_>,
    id: i64,
) -> AppResult<()> {
    admins_only(&moderator)?;
    let standing = target(pool, moderator, id).await?;
    if standing.suspended_at.is_none() {
        return Err(not_allowed());
    }
    // A member's deletion is announced to the servers that knew them (Delete(Person)).
    if standing.domain.is_none() {
        return super::accounts::delete_local(pool, base_url, store, id).await;
    }
    let mut tx = crate::db::begin(pool).await?;
    // A remote account's attachments are links to its server: no files here.
    db::remote_accounts::purge_content(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}
