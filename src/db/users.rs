//! The `users` table: the sign-in side of local accounts.

use sqlx::PgExecutor;

/// A user row.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub approved: bool,
    pub locale: String,
    pub default_privacy: String,
    pub default_sensitive: bool,
    pub default_language: Option<String>,
    pub expand_media: String,
    pub expand_spoilers: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When they proved their address is theirs (none: not yet).
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// An address they are changing to, awaiting its confirmation.
    pub unconfirmed_email: Option<String>,
    /// Whether sign-in asks for a second factor.
    pub otp_enabled: bool,
    pub email_on_pending_sign_up: bool,
    pub email_on_report: bool,
}

/// What a new user is made of.
#[derive(Debug)]
pub struct NewUser<'a> {
    pub account_id: i64,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub approved: bool,
    pub locale: &'a str,
    pub sign_up_reason: Option<&'a str>,
    /// Whether the address counts as confirmed from the start (accounts the operator makes).
    pub confirmed: bool,
}

/// Inserts a user and returns its id.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewUser<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into users (account_id, email, password_hash, role, approved, locale, sign_up_reason, confirmed_at)
         values ($1, $2, $3, $4, $5, $6, $7, case when $8 then now() end) returning id",
        new.account_id,
        new.email,
        new.password_hash,
        new.role,
        new.approved,
        new.locale,
        new.sign_up_reason,
        new.confirmed,
    )
    .fetch_one(db)
    .await
}

/// The user of a local account.
pub async fn find_by_account(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as!(
        User,
        r#"select id, account_id, email, password_hash, role, approved, locale, default_privacy, default_sensitive,
                default_language, expand_media, expand_spoilers, created_at, confirmed_at, unconfirmed_email,
                otp_enabled_at is not null as "otp_enabled!", email_on_pending_sign_up, email_on_report
         from users where account_id = $1"#,
        account_id,
    )
    .fetch_optional(db)
    .await
}

/// Whether a user has this email address, compared case-insensitively.
pub async fn exists_email(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!(
        "select exists(select 1 from users where lower(email) = lower($1))",
        email
    )
    .fetch_one(db)
    .await?
    .unwrap_or(false))
}

/// The user with this id.
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as!(
        User,
        r#"select id, account_id, email, password_hash, role, approved, locale, default_privacy, default_sensitive,
                default_language, expand_media, expand_spoilers, created_at, confirmed_at, unconfirmed_email,
                otp_enabled_at is not null as "otp_enabled!", email_on_pending_sign_up, email_on_report
         from users where id = $1"#,
        id,
    )
    .fetch_optional(db)
    .await
}

/// The user behind a browser session, unless their login was disabled or their account
/// suspended since they signed in (the same rule as signing in).
pub async fn find_active(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as!(
        User,
        r#"select u.id, u.account_id, u.email, u.password_hash, u.role, u.approved, u.locale,
                u.default_privacy, u.default_sensitive, u.default_language, u.expand_media,
                u.expand_spoilers, u.created_at, u.confirmed_at, u.unconfirmed_email,
                u.otp_enabled_at is not null as "otp_enabled!", u.email_on_pending_sign_up, u.email_on_report
         from users u join accounts a on a.id = u.account_id
         where u.id = $1 and not u.disabled and a.suspended_at is null"#,
        id,
    )
    .fetch_optional(db)
    .await
}

/// The user signing in as `login`: an email address or a local username, case-insensitively;
/// a disabled login or suspended account is not found.
pub async fn find_by_login(db: impl PgExecutor<'_>, login: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as!(
        User,
        r#"select u.id, u.account_id, u.email, u.password_hash, u.role, u.approved, u.locale,
                u.default_privacy, u.default_sensitive, u.default_language, u.expand_media,
                u.expand_spoilers, u.created_at, u.confirmed_at, u.unconfirmed_email,
                u.otp_enabled_at is not null as "otp_enabled!", u.email_on_pending_sign_up, u.email_on_report
         from users u join accounts a on a.id = u.account_id
         where (lower(u.email) = lower($1) or (a.domain is null and lower(a.username) = lower($1)))
           and not u.disabled and a.suspended_at is null
         limit 1"#,
        login,
    )
    .fetch_optional(db)
    .await
}

/// Posting and reading preferences; `None` leaves a value as it is.
#[derive(Debug, Default)]
pub struct PreferencesUpdate {
    pub default_privacy: Option<String>,
    pub default_sensitive: Option<bool>,
    pub default_language: Option<String>,
}

/// Applies a preferences update (an empty language clears it).
pub async fn update_preferences(
    db: impl PgExecutor<'_>,
    id: i64,
    update: &PreferencesUpdate,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set
            default_privacy = coalesce($2, default_privacy),
            default_sensitive = coalesce($3, default_sensitive),
            default_language = case when $4::text is null then default_language
                                    when $4 = '' then null else $4 end,
            updated_at = now()
         where id = $1",
        id,
        update.default_privacy,
        update.default_sensitive,
        update.default_language,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records activity, at most once an hour per member (it feeds the active-user counts).
pub async fn touch_last_active(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set last_active_at = now()
         where id = $1 and (last_active_at is null or last_active_at < now() - interval '1 hour')",
        id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Members active since `since`.
pub async fn count_active_since(
    db: impl PgExecutor<'_>,
    since: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<i64> {
    Ok(
        sqlx::query_scalar!("select count(*) from users where last_active_at >= $1", since)
            .fetch_one(db)
            .await?
            .unwrap_or(0),
    )
}

/// Sign-ups per week since `since`.
pub async fn count_registrations_since(
    db: impl PgExecutor<'_>,
    since: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<Vec<(chrono::DateTime<chrono::Utc>, i64)>> {
    let rows = sqlx::query!(
        r#"select date_trunc('week', created_at) as "week!", count(*) as "count!"
           from users where created_at >= $1 group by 1"#,
        since,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.week, r.count)).collect())
}

/// How many members there are (approved or not).
pub async fn count(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!("select count(*) from users")
        .fetch_one(db)
        .await?
        .unwrap_or(0))
}

/// Approves the user of an account; true when it was pending.
pub async fn approve(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "update users set approved = true, updated_at = now() where account_id = $1 and not approved",
        account_id,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Replaces a member's password hash.
pub async fn update_password(db: impl PgExecutor<'_>, id: i64, password_hash: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set password_hash = $2, updated_at = now() where id = $1",
        id,
        password_hash,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a member's address confirmed, switching to `email` when it was a change of address;
/// false when another member took that address meanwhile.
pub async fn confirm_email(db: impl PgExecutor<'_>, id: i64, email: &str) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "update users set email = $2, confirmed_at = coalesce(confirmed_at, now()),
                unconfirmed_email = case when lower(unconfirmed_email) = lower($2) then null else unconfirmed_email end,
                updated_at = now()
         where id = $1
           and not exists (select 1 from users other where other.id <> $1 and lower(other.email) = lower($2))",
        id,
        email,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Records an address change waiting for confirmation.
pub async fn set_unconfirmed_email(db: impl PgExecutor<'_>, id: i64, email: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set unconfirmed_email = $2, updated_at = now() where id = $1",
        id,
        email,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Sets an address directly (the operator's command line), confirmed.
pub async fn set_email(db: impl PgExecutor<'_>, id: i64, email: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set email = $2, unconfirmed_email = null, confirmed_at = coalesce(confirmed_at, now()),
                updated_at = now()
         where id = $1",
        id,
        email,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Changes a member's role.
pub async fn set_role(db: impl PgExecutor<'_>, id: i64, role: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set role = $2, updated_at = now() where id = $1",
        id,
        role
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Which notices a staff member wants by mail.
pub async fn set_staff_mail_preferences(
    db: impl PgExecutor<'_>,
    id: i64,
    on_pending_sign_up: bool,
    on_report: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set email_on_pending_sign_up = $2, email_on_report = $3, updated_at = now() where id = $1",
        id,
        on_pending_sign_up,
        on_report,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A staff member to mail a notice to.
#[derive(Debug, Clone)]
pub struct StaffRecipient {
    pub email: String,
    pub locale: String,
}

/// Staff who want mail about `notice`: `pending_sign_up` or `report`; moderators and admins for
/// reports, admins and moderators for sign-ups, confirmed and able to sign in.
pub async fn staff_wanting_mail(db: impl PgExecutor<'_>, notice: &str) -> sqlx::Result<Vec<StaffRecipient>> {
    sqlx::query_as!(
        StaffRecipient,
        "select u.email, u.locale from users u join accounts a on a.id = u.account_id
         where u.role in ('admin', 'moderator') and u.approved and not u.disabled
           and a.suspended_at is null and u.confirmed_at is not null
           and case $1 when 'pending_sign_up' then u.email_on_pending_sign_up
                       when 'report' then u.email_on_report else false end
         order by u.id",
        notice,
    )
    .fetch_all(db)
    .await
}

/// Corrects the address of a member who has not confirmed one yet (the resend endpoint's
/// `email`): the address itself changes, as nothing was confirmed to keep.
pub async fn set_unconfirmed_address(db: impl PgExecutor<'_>, id: i64, email: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set email = $2, updated_at = now() where id = $1 and confirmed_at is null",
        id,
        email,
    )
    .execute(db)
    .await?;
    Ok(())
}
