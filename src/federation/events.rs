//! What our members' actions tell other servers, queued inside the action's transaction.

// Actions call these in Mastodon's words. Each first checks that the account acting is local
// (the inbox calls the same actions for remote actors, whose servers already know) and that
// some remote account is to receive it (one cheap query), so purely local changes render nothing.

use chrono::Utc;
use serde_json::Value;
use sqlx::PgConnection;

use super::outbox::{self, Recipients};
use super::render::{self, Host, activities};
use super::{loading, urls};
use crate::db;
use crate::error::AppResult;

/// The instance as rendering needs it; the domain is the base URL's host, as
/// `Config::base_url` builds it.
fn host(base_url: &str) -> Host<'_> {
    Host {
        base_url,
        domain: base_url.split_once("://").map_or(base_url, |(_, rest)| rest),
    }
}

async fn local_account(tx: &mut PgConnection, id: i64) -> AppResult<Option<db::accounts::Account>> {
    Ok(db::accounts::find(&mut *tx, id)
        .await?
        .filter(|a| a.domain.is_none()))
}

async fn remote_account(
    tx: &mut PgConnection,
    id: i64,
) -> AppResult<Option<(db::accounts::Account, String)>> {
    Ok(db::accounts::find(&mut *tx, id)
        .await?
        .filter(|a| a.domain.is_some())
        .and_then(|a| {
            let uri = a.uri.clone()?;
            Some((a, uri))
        }))
}

async fn anyone_remote(tx: &mut PgConnection, sender: i64, recipients: &Recipients) -> AppResult<bool> {
    let followers_of = recipients.followers.then_some(sender);
    Ok(db::deliveries::exists_remote_recipient(&mut *tx, followers_of, &recipients.accounts).await?)
}

async fn send(tx: &mut PgConnection, sender: i64, activity: Value, recipients: &Recipients) -> AppResult<()> {
    outbox::enqueue(tx, sender, &render::document(activity), recipients).await?;
    Ok(())
}

/// Who hears of a local status: the followers unless it is direct, the mentioned, and the
/// author of the status it answers; for a change to a status already out (`boosters`), the
/// remote accounts that boosted it too, since their servers hold a copy.
async fn status_recipients(
    tx: &mut PgConnection,
    status: &db::statuses::Status,
    boosters: bool,
) -> AppResult<Recipients> {
    let mut accounts: Vec<i64> = db::statuses::list_mentions(&mut *tx, &[status.id])
        .await?
        .iter()
        .map(|m| m.account_id)
        .collect();
    accounts.extend(status.in_reply_to_account_id);
    if boosters {
        accounts.extend(db::statuses::list_remote_reblogger_ids(&mut *tx, status.id).await?);
    }
    accounts.sort_unstable();
    accounts.dedup();
    Ok(Recipients {
        followers: status.visibility != "direct",
        accounts,
    })
}

/// A local original status as the Note renders it, when anyone remote is to hear of it: its
/// audience (with the boosters when `boosters`) and the accounts in `also`.
async fn concerned_status(
    tx: &mut PgConnection,
    base_url: &str,
    status_id: i64,
    boosters: bool,
    also: &[i64],
) -> AppResult<Option<(render::LocalStatus, Recipients)>> {
    let Some(status) = db::statuses::find(&mut *tx, status_id)
        .await?
        .filter(|s| s.local && s.reblog_of_id.is_none())
    else {
        return Ok(None);
    };
    let Some(author) = local_account(tx, status.account_id).await? else {
        return Ok(None);
    };
    let mut recipients = status_recipients(tx, &status, boosters).await?;
    if !also.is_empty() {
        recipients.accounts.extend_from_slice(also);
        recipients.accounts.sort_unstable();
        recipients.accounts.dedup();
    }
    if !anyone_remote(tx, author.id, &recipients).await? {
        return Ok(None);
    }
    let local = loading::local_statuses(tx, host(base_url), &author, vec![status])
        .await?
        .pop();
    Ok(local.map(|local| (local, recipients)))
}

/// A member posted a status: Create(Note).
pub async fn status_created(tx: &mut PgConnection, base_url: &str, status_id: i64) -> AppResult<()> {
    if let Some((local, recipients)) = concerned_status(tx, base_url, status_id, false, &[]).await? {
        let activity = render::create(host(base_url), &local, Utc::now());
        send(tx, local.status.account_id, activity, &recipients).await?;
    }
    Ok(())
}

/// A member edited a status: Update(Note).
pub async fn status_updated(tx: &mut PgConnection, base_url: &str, status_id: i64) -> AppResult<()> {
    if let Some((local, recipients)) = concerned_status(tx, base_url, status_id, true, &[]).await? {
        let activity = activities::update_note(host(base_url), &local, Utc::now());
        send(tx, local.status.account_id, activity, &recipients).await?;
    }
    Ok(())
}

/// Votes changed a member's poll (or it ended): Update(Question) with the counts, to those who
/// heard of its status and to the remote voters. Nothing for a remote poll.
pub async fn poll_counts(tx: &mut PgConnection, base_url: &str, poll: &db::polls::Poll) -> AppResult<()> {
    let voters = db::polls::list_remote_voters(&mut *tx, poll.id).await?;
    let Some((local, recipients)) = concerned_status(tx, base_url, poll.status_id, true, &voters).await?
    else {
        return Ok(());
    };
    let now = Utc::now();
    let mut activity = activities::update_note(host(base_url), &local, now);
    // Its own id: an edit's Update is named by the edit's time, which a count update keeps.
    activity["id"] = Value::String(urls::poll_counts_update(
        base_url,
        &local.author,
        local.status.id,
        now.timestamp_millis(),
    ));
    send(tx, local.status.account_id, activity, &recipients).await
}

/// A member is deleting a status or a boost (called before the row goes): Delete(Tombstone),
/// or Undo(Announce) for a boost.
pub async fn status_deleted(
    tx: &mut PgConnection,
    base_url: &str,
    status: &db::statuses::Status,
) -> AppResult<()> {
    if !status.local {
        return Ok(());
    }
    if status.reblog_of_id.is_some() {
        return unreblogged(tx, base_url, status.id).await;
    }
    let Some(author) = local_account(tx, status.account_id).await? else {
        return Ok(());
    };
    let recipients = status_recipients(tx, status, true).await?;
    if !anyone_remote(tx, author.id, &recipients).await? {
        return Ok(());
    }
    let mentioned: Vec<String> = db::statuses::list_mentions(&mut *tx, &[status.id])
        .await?
        .into_iter()
        .filter_map(|m| match m.domain {
            None => Some(urls::actor(base_url, &m.username)),
            Some(_) => m.uri,
        })
        .collect();
    let followers = urls::actor_path(base_url, &author.username, "followers");
    let (to, cc) = render::addressing(&followers, &status.visibility, &mentioned);
    let activity = activities::delete_note(base_url, &author.username, status.id, to, cc);
    send(tx, author.id, activity, &recipients).await
}

/// A local boost as its Announce and recipients (followers, and the original's author).
async fn announce_of(
    tx: &mut PgConnection,
    base_url: &str,
    reblog_id: i64,
) -> AppResult<Option<(i64, String, Value, Recipients)>> {
    let Some(reblog) = db::statuses::find(&mut *tx, reblog_id).await?.filter(|s| s.local) else {
        return Ok(None);
    };
    let Some(original_id) = reblog.reblog_of_id else {
        return Ok(None);
    };
    let Some(booster) = local_account(tx, reblog.account_id).await? else {
        return Ok(None);
    };
    let Some(original_author) = db::statuses::find(&mut *tx, original_id)
        .await?
        .map(|s| s.account_id)
    else {
        return Ok(None);
    };
    let recipients = Recipients {
        followers: true,
        accounts: vec![original_author],
    };
    if !anyone_remote(tx, booster.id, &recipients).await? {
        return Ok(None);
    }
    let Some(original) = db::statuses::list_refs(&mut *tx, &[original_id]).await?.pop() else {
        return Ok(None);
    };
    let activity = render::announce(host(base_url), &booster.username, &reblog, &original);
    Ok(activity.map(|a| (booster.id, booster.username, a, recipients)))
}

/// A member boosted a status: Announce.
pub async fn reblogged(tx: &mut PgConnection, base_url: &str, reblog_id: i64) -> AppResult<()> {
    if let Some((booster, _, activity, recipients)) = announce_of(tx, base_url, reblog_id).await? {
        send(tx, booster, activity, &recipients).await?;
    }
    Ok(())
}

/// A member is taking a boost back (called before the row goes): Undo(Announce).
pub async fn unreblogged(tx: &mut PgConnection, base_url: &str, reblog_id: i64) -> AppResult<()> {
    if let Some((booster, name, announce, recipients)) = announce_of(tx, base_url, reblog_id).await? {
        send(
            tx,
            booster,
            activities::undo(base_url, &name, announce),
            &recipients,
        )
        .await?;
    }
    Ok(())
}

/// A member's Like of a remote status, if both exist as such.
async fn like_of(
    tx: &mut PgConnection,
    base_url: &str,
    account: i64,
    status_id: i64,
) -> AppResult<Option<(String, Value, Recipients)>> {
    let Some(status) = db::statuses::find(&mut *tx, status_id)
        .await?
        .filter(|s| !s.local)
    else {
        return Ok(None);
    };
    let (Some(status_uri), Some((_, author_uri))) =
        (status.uri, remote_account(tx, status.account_id).await?)
    else {
        return Ok(None);
    };
    let Some(liker) = local_account(tx, account).await? else {
        return Ok(None);
    };
    let Some((favourite_id, uri)) =
        db::interactions::find_favourite_ref(&mut *tx, account, status_id).await?
    else {
        return Ok(None);
    };
    let id = uri.unwrap_or_else(|| urls::like(base_url, &liker.username, favourite_id));
    let like = activities::like(base_url, &liker.username, &id, &status_uri, &author_uri);
    let recipients = Recipients {
        followers: false,
        accounts: vec![status.account_id],
    };
    Ok(Some((liker.username, like, recipients)))
}

/// A member favourited a status: Like, to a remote author.
pub async fn favourited(
    tx: &mut PgConnection,
    base_url: &str,
    account: i64,
    status_id: i64,
) -> AppResult<()> {
    if let Some((_, like, recipients)) = like_of(tx, base_url, account, status_id).await? {
        send(tx, account, like, &recipients).await?;
    }
    Ok(())
}

/// A member is taking a favourite back (called before the row goes): Undo(Like).
pub async fn unfavourited(
    tx: &mut PgConnection,
    base_url: &str,
    account: i64,
    status_id: i64,
) -> AppResult<()> {
    if let Some((name, like, recipients)) = like_of(tx, base_url, account, status_id).await? {
        send(tx, account, activities::undo(base_url, &name, like), &recipients).await?;
    }
    Ok(())
}

/// A member's Follow of a remote account, with the id recorded on the follow (or request).
async fn follow_of(
    tx: &mut PgConnection,
    base_url: &str,
    follower: i64,
    target: i64,
) -> AppResult<Option<(String, Value)>> {
    let Some((_, target_uri)) = remote_account(tx, target).await? else {
        return Ok(None);
    };
    let Some(account) = local_account(tx, follower).await? else {
        return Ok(None);
    };
    let Some((row_id, uri)) = db::follows::find_follow_ref(&mut *tx, follower, target).await? else {
        return Ok(None);
    };
    let id = match uri {
        Some(uri) => uri,
        None => {
            let uri = urls::follow(base_url, &account.username, row_id);
            db::follows::set_follow_uri(&mut *tx, follower, target, Some(&uri)).await?;
            uri
        }
    };
    let follow = activities::follow(base_url, &account.username, &id, &target_uri);
    Ok(Some((account.username, follow)))
}

/// A member asked to follow a remote account: Follow, its id kept on the request.
pub async fn followed(tx: &mut PgConnection, base_url: &str, follower: i64, target: i64) -> AppResult<()> {
    if let Some((_, follow)) = follow_of(tx, base_url, follower, target).await? {
        let recipients = Recipients {
            followers: false,
            accounts: vec![target],
        };
        send(tx, follower, follow, &recipients).await?;
    }
    Ok(())
}

/// A member is ending a follow (or request) of a remote account (called before the row
/// goes): Undo(Follow).
pub async fn unfollowed(tx: &mut PgConnection, base_url: &str, follower: i64, target: i64) -> AppResult<()> {
    if let Some((name, follow)) = follow_of(tx, base_url, follower, target).await? {
        let recipients = Recipients {
            followers: false,
            accounts: vec![target],
        };
        let mut undo = activities::undo(base_url, &name, follow);
        undo["to"] = serde_json::json!([undo["object"]["object"]]);
        send(tx, follower, undo, &recipients).await?;
    }
    Ok(())
}

async fn answer_follow(
    tx: &mut PgConnection,
    base_url: &str,
    target: i64,
    follower: i64,
    accepted: bool,
) -> AppResult<()> {
    let Some(member) = local_account(tx, target).await? else {
        return Ok(());
    };
    let Some((_, follower_uri)) = remote_account(tx, follower).await? else {
        return Ok(());
    };
    // No follow or request on record: nothing to answer (a block of someone who never followed).
    let Some((_, follow_id)) = db::follows::find_follow_ref(&mut *tx, follower, target).await? else {
        return Ok(());
    };
    let follow = activities::remote_follow(base_url, &member.username, follow_id.as_deref(), &follower_uri);
    let activity = activities::answer_follow(
        base_url,
        &member.username,
        follower,
        &follower_uri,
        follow,
        accepted,
    );
    let recipients = Recipients {
        followers: false,
        accounts: vec![follower],
    };
    send(tx, member.id, activity, &recipients).await
}

/// A member accepted a remote account's follow (directly or by approving the request; the
/// follow's row must hold the Follow's id): Accept(Follow).
pub async fn follow_accepted(
    tx: &mut PgConnection,
    base_url: &str,
    target: i64,
    follower: i64,
) -> AppResult<()> {
    answer_follow(tx, base_url, target, follower, true).await
}

/// A member is turning a remote account's follow or follow request down (called before the
/// row goes): Reject(Follow). Nothing when there is neither.
pub async fn follow_rejected(
    tx: &mut PgConnection,
    base_url: &str,
    target: i64,
    follower: i64,
) -> AppResult<()> {
    answer_follow(tx, base_url, target, follower, false).await
}

/// A member's Block of a remote account.
async fn block_of(
    tx: &mut PgConnection,
    base_url: &str,
    blocker: i64,
    target: i64,
) -> AppResult<Option<(String, Value)>> {
    let Some((_, target_uri)) = remote_account(tx, target).await? else {
        return Ok(None);
    };
    let Some(account) = local_account(tx, blocker).await? else {
        return Ok(None);
    };
    let Some((row_id, uri)) = db::follows::find_block_ref(&mut *tx, blocker, target).await? else {
        return Ok(None);
    };
    let id = uri.unwrap_or_else(|| urls::block(base_url, &account.username, row_id));
    Ok(Some((
        account.username.clone(),
        activities::block(base_url, &account.username, &id, &target_uri),
    )))
}

/// A member blocked a remote account: Block, to it.
pub async fn blocked(tx: &mut PgConnection, base_url: &str, blocker: i64, target: i64) -> AppResult<()> {
    if let Some((_, block)) = block_of(tx, base_url, blocker, target).await? {
        let recipients = Recipients {
            followers: false,
            accounts: vec![target],
        };
        send(tx, blocker, block, &recipients).await?;
    }
    Ok(())
}

/// A member is lifting a block of a remote account (called before the row goes): Undo(Block).
pub async fn unblocked(tx: &mut PgConnection, base_url: &str, blocker: i64, target: i64) -> AppResult<()> {
    if let Some((name, block)) = block_of(tx, base_url, blocker, target).await? {
        let recipients = Recipients {
            followers: false,
            accounts: vec![target],
        };
        send(tx, blocker, activities::undo(base_url, &name, block), &recipients).await?;
    }
    Ok(())
}

/// A member changed their profile: Update(Person), to their followers.
pub async fn profile_updated(tx: &mut PgConnection, base_url: &str, account_id: i64) -> AppResult<()> {
    let Some(account) = local_account(tx, account_id).await? else {
        return Ok(());
    };
    let recipients = Recipients {
        followers: true,
        accounts: Vec::new(),
    };
    if !anyone_remote(tx, account.id, &recipients).await? {
        return Ok(());
    }
    let emojis = loading::account_emojis(tx, &account).await?;
    let links = loading::actor_links(tx, base_url, account.id).await?;
    let actor = render::actor(host(base_url), &account, &emojis, &links);
    let activity = activities::update_actor(base_url, &account.username, actor, Utc::now());
    send(tx, account.id, activity, &recipients).await
}

/// A member's account is being deleted: Delete(Person) to every remote account that follows
/// them or that they follow (called before those follows go, in the same transaction).
pub async fn account_deleted(tx: &mut PgConnection, base_url: &str, account_id: i64) -> AppResult<()> {
    let Some(account) = local_account(tx, account_id).await? else {
        return Ok(());
    };
    let recipients = Recipients {
        followers: true,
        accounts: db::follows::list_remote_following(&mut *tx, account.id).await?,
    };
    if !anyone_remote(tx, account.id, &recipients).await? {
        return Ok(());
    }
    send(
        tx,
        account.id,
        activities::delete_actor(base_url, &account.username),
        &recipients,
    )
    .await
}

/// A member moved to `target_uri`: Move to their followers (whose servers move their follows).
pub async fn moved(
    tx: &mut PgConnection,
    base_url: &str,
    account_id: i64,
    target_uri: &str,
) -> AppResult<()> {
    let Some(account) = local_account(tx, account_id).await? else {
        return Ok(());
    };
    let recipients = Recipients {
        followers: true,
        accounts: Vec::new(),
    };
    if !anyone_remote(tx, account.id, &recipients).await? {
        return Ok(());
    }
    let activity = activities::move_actor(base_url, &account.username, target_uri, Utc::now());
    send(tx, account.id, activity, &recipients).await
}

/// A member pinned (`on`) or unpinned one of their statuses: Add or Remove on their featured
/// collection, to their followers.
pub async fn pin_changed(
    tx: &mut PgConnection,
    base_url: &str,
    account_id: i64,
    status_id: i64,
    on: bool,
) -> AppResult<()> {
    let Some(account) = local_account(tx, account_id).await? else {
        return Ok(());
    };
    let recipients = Recipients {
        followers: true,
        accounts: Vec::new(),
    };
    if !anyone_remote(tx, account.id, &recipients).await? {
        return Ok(());
    }
    let status_uri = urls::status(base_url, &account.username, status_id);
    let activity = activities::featured_change(base_url, &account.username, &status_uri, on, Utc::now());
    send(tx, account.id, activity, &recipients).await
}

/// A member voted in a remote poll: one Create(Note) per choice, to the poll's author.
pub async fn voted(
    tx: &mut PgConnection,
    base_url: &str,
    voter: i64,
    poll: &db::polls::Poll,
) -> AppResult<()> {
    let Some(status) = db::statuses::find(&mut *tx, poll.status_id)
        .await?
        .filter(|s| !s.local)
    else {
        return Ok(());
    };
    let (Some(poll_uri), Some((_, author_uri))) = (status.uri, remote_account(tx, poll.account_id).await?)
    else {
        return Ok(());
    };
    let Some(account) = local_account(tx, voter).await? else {
        return Ok(());
    };
    let recipients = Recipients {
        followers: false,
        accounts: vec![poll.account_id],
    };
    for (vote_id, choice) in db::polls::list_vote_refs(&mut *tx, poll.id, voter).await? {
        let Some(option) = usize::try_from(choice).ok().and_then(|i| poll.options.get(i)) else {
            continue;
        };
        let activity = activities::vote(
            base_url,
            &account.username,
            vote_id,
            &poll_uri,
            &author_uri,
            option,
        );
        send(tx, voter, activity, &recipients).await?;
    }
    Ok(())
}
