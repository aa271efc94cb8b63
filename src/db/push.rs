//! Web Push: the instance's VAPID key (one row) and members' subscriptions (one per token).

use sqlx::PgExecutor;

/// The VAPID key pair as stored.
#[derive(Debug, Clone)]
pub struct VapidKeyRow {
    pub private_key: Vec<u8>,
    pub public_key: Vec<u8>,
}

/// The instance's VAPID key, if made.
pub async fn find_vapid_key(db: impl PgExecutor<'_>) -> sqlx::Result<Option<VapidKeyRow>> {
    sqlx::query_as!(VapidKeyRow, "select private_key, public_key from vapid_key")
        .fetch_optional(db)
        .await
}

/// Keeps `key` unless another process made one first (then theirs stays: read it back).
pub async fn insert_vapid_key_if_missing(db: impl PgExecutor<'_>, key: &VapidKeyRow) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into vapid_key (private_key, public_key) values ($1, $2) on conflict do nothing",
        key.private_key,
        key.public_key
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A push subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: i64,
    pub access_token_id: i64,
    pub account_id: i64,
    pub access_token: String,
    pub endpoint: String,
    pub key_p256dh: Vec<u8>,
    pub key_auth: Vec<u8>,
    pub standard: bool,
    pub alerts: Vec<String>,
    pub policy: String,
}

/// What a subscription is made of (on creation, all of it; an update changes alerts and policy).
#[derive(Debug, Clone)]
pub struct NewSubscription<'a> {
    pub access_token_id: i64,
    pub account_id: i64,
    pub access_token: &'a str,
    pub endpoint: &'a str,
    pub key_p256dh: &'a [u8],
    pub key_auth: &'a [u8],
    pub standard: bool,
    pub alerts: &'a [String],
    pub policy: &'a str,
}

/// Creates the token's subscription, replacing the one it had (Mastodon's POST does so).
pub async fn upsert(db: impl PgExecutor<'_>, new: &NewSubscription<'_>) -> sqlx::Result<Subscription> {
    sqlx::query_as!(
        Subscription,
        "insert into push_subscriptions
             (access_token_id, account_id, access_token, endpoint, key_p256dh, key_auth, standard,
              alerts, policy)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (access_token_id) do update
             set id = next_id(), account_id = excluded.account_id,
                 access_token = excluded.access_token, endpoint = excluded.endpoint,
                 key_p256dh = excluded.key_p256dh, key_auth = excluded.key_auth,
                 standard = excluded.standard, alerts = excluded.alerts, policy = excluded.policy,
                 created_at = now(), updated_at = now()
         returning id, access_token_id, account_id, access_token, endpoint, key_p256dh, key_auth,
                   standard, alerts, policy",
        new.access_token_id,
        new.account_id,
        new.access_token,
        new.endpoint,
        new.key_p256dh,
        new.key_auth,
        new.standard,
        new.alerts,
        new.policy,
    )
    .fetch_one(db)
    .await
}

/// The token's subscription.
pub async fn find_by_token(
    db: impl PgExecutor<'_>,
    access_token_id: i64,
) -> sqlx::Result<Option<Subscription>> {
    sqlx::query_as!(
        Subscription,
        "select id, access_token_id, account_id, access_token, endpoint, key_p256dh, key_auth,
                standard, alerts, policy
         from push_subscriptions where access_token_id = $1",
        access_token_id
    )
    .fetch_optional(db)
    .await
}

/// A subscription by id (a push job's).
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Subscription>> {
    sqlx::query_as!(
        Subscription,
        "select id, access_token_id, account_id, access_token, endpoint, key_p256dh, key_auth,
                standard, alerts, policy
         from push_subscriptions where id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Changes what the token's subscription pushes; `None` when it has none.
pub async fn update_alerts(
    db: impl PgExecutor<'_>,
    access_token_id: i64,
    alerts: &[String],
    policy: &str,
) -> sqlx::Result<Option<Subscription>> {
    sqlx::query_as!(
        Subscription,
        "update push_subscriptions set alerts = $2, policy = $3, updated_at = now()
         where access_token_id = $1
         returning id, access_token_id, account_id, access_token, endpoint, key_p256dh, key_auth,
                   standard, alerts, policy",
        access_token_id,
        alerts,
        policy,
    )
    .fetch_optional(db)
    .await
}

/// Ends the token's subscription (nothing to end is fine).
pub async fn delete_by_token(db: impl PgExecutor<'_>, access_token_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from push_subscriptions where access_token_id = $1",
        access_token_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Ends a subscription its push service says is gone (404/410).
pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from push_subscriptions where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// The notification a push is about, and the recipient's locale.
#[derive(Debug, Clone)]
pub struct PushedNotification {
    pub id: i64,
    pub account_id: i64,
    pub r#type: String,
    pub filtered: bool,
    pub status_id: Option<i64>,
    pub from_account_id: i64,
    pub group_key: Option<String>,
    pub locale: String,
}

/// The notification a push job is about; `None` once dismissed.
pub async fn find_notification(
    db: impl PgExecutor<'_>,
    notification_id: i64,
) -> sqlx::Result<Option<PushedNotification>> {
    sqlx::query_as!(
        PushedNotification,
        r#"select n.id, n.account_id, n.type as "type", n.filtered, n.status_id, n.from_account_id,
                  n.group_key, coalesce(u.locale, 'en') as "locale!"
           from notifications n left join users u on u.account_id = n.account_id
           where n.id = $1"#,
        notification_id
    )
    .fetch_optional(db)
    .await
}
