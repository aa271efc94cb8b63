//! Local accounts: creating them (name, email and password rules, keys), profiles, pictures, deletion.

use sqlx::PgPool;

use crate::app::AppState;
use crate::config::RegistrationMode;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::federation::keys;
use crate::media::profile_images::{self, Change};
use crate::media::store::{Collection, MediaStore};
use crate::passwords;

/// Longest local username (Mastodon's rule).
pub const USERNAME_MAX_LENGTH: usize = 30;

/// Names nobody may take, not even the operator: ones the server uses itself or that speak for
/// the machine (RFC 2142 mailboxes and the like).
const SYSTEM_NAMES: &[&str] = &[
    "abuse",
    "actor",
    "ferrodon",
    "hostmaster",
    "instance",
    "mailer_daemon",
    "no_reply",
    "nobody",
    "noreply",
    "null",
    "postmaster",
    "relay",
    "root",
    "security",
    "system",
    "webmaster",
];

/// Names that look like staff: the operator may create them, sign-ups may not.
const STAFF_NAMES: &[&str] = &[
    "admin",
    "administrator",
    "mod",
    "moderator",
    "owner",
    "staff",
    "support",
    "help",
];

/// A member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    #[default]
    User,
    Moderator,
    Admin,
}

impl Role {
    /// The role as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "user" => Ok(Role::User),
            "moderator" => Ok(Role::Moderator),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role {other:?}: expected user, moderator or admin"
            )),
        }
    }
}

/// Who is creating the account, which decides the reserved names that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creator {
    /// The operator, through the command line or the admin pages.
    Operator,
    /// A person signing up.
    SignUp,
}

/// A request to create a local account.
#[derive(Debug)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub approved: bool,
    pub creator: Creator,
    /// The member's language, e.g. `en`.
    pub locale: &'a str,
    /// Why they want to join, when sign-ups need approval.
    pub reason: Option<&'a str>,
}

/// The created account's ids.
#[derive(Debug, Clone, Copy)]
pub struct Created {
    pub account_id: i64,
    pub user_id: i64,
}

/// Why a field of a new account is refused: the field, Mastodon's error code, and the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub code: &'static str,
    pub description: String,
}

impl Problem {
    fn new(field: &'static str, code: &'static str, description: impl Into<String>) -> Self {
        Self {
            field,
            code,
            description: description.into(),
        }
    }
}

impl From<Problem> for AppError {
    fn from(problem: Problem) -> Self {
        AppError::Validation {
            field: problem.field,
            code: problem.code,
            description: problem.description,
        }
    }
}

/// The problem with a username, if any, in Mastodon's words.
pub fn username_problem(username: &str, creator: Creator) -> Option<Problem> {
    let problem = |code, text: &str| Some(Problem::new("username", code, text));
    if username.is_empty() {
        return problem("ERR_BLANK", "Username can't be blank");
    }
    if !username.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return problem(
            "ERR_INVALID",
            "Username must contain only letters, numbers and underscores",
        );
    }
    if username.len() > USERNAME_MAX_LENGTH {
        return problem(
            "ERR_TOO_LONG",
            &format!("Username is too long (maximum is {USERNAME_MAX_LENGTH} characters)"),
        );
    }
    let lower = username.to_ascii_lowercase();
    let reserved = SYSTEM_NAMES.contains(&lower.as_str())
        || (creator == Creator::SignUp && STAFF_NAMES.contains(&lower.as_str()));
    if reserved {
        return problem("ERR_RESERVED", "Username is reserved");
    }
    None
}

/// The problem with an email address, if any. Deliberately loose: one `@` between a local part
/// and a host name, no spaces; mail delivery is the real test.
pub fn email_problem(email: &str) -> Option<Problem> {
    if email.is_empty() {
        return Some(Problem::new("email", "ERR_BLANK", "Email can't be blank"));
    }
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, host)| {
            !local.is_empty()
                && !host.is_empty()
                && !host.contains('@')
                && host
                    .split('.')
                    .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
        });
    (!valid).then(|| Problem::new("email", "ERR_INVALID", "Email is invalid"))
}

/// The problem with a new password, if any.
pub fn password_problem(password: &str) -> Option<Problem> {
    let length = password.chars().count();
    if length < passwords::MIN_LENGTH {
        Some(Problem::new(
            "password",
            "ERR_TOO_SHORT",
            format!(
                "Password is too short (minimum is {} characters)",
                passwords::MIN_LENGTH
            ),
        ))
    } else if length > passwords::MAX_LENGTH {
        Some(Problem::new(
            "password",
            "ERR_TOO_LONG",
            format!(
                "Password is too long (maximum is {} characters)",
                passwords::MAX_LENGTH
            ),
        ))
    } else {
        None
    }
}

/// Creates a local account with its user, password hash and RSA key pair.
pub async fn create_local(pool: &PgPool, new: NewAccount<'_>) -> AppResult<Created> {
    let username = new.username.trim();
    let email = new.email.trim();
    if let Some(problem) = username_problem(username, new.creator)
        .or_else(|| email_problem(email))
        .or_else(|| password_problem(new.password))
    {
        return Err(problem.into());
    }
    // Checked before the slow hashing for a quick answer; the unique indexes decide races.
    if db::accounts::exists_local_username(pool, username).await? {
        return Err(username_taken());
    }
    if db::users::exists_email(pool, email).await? {
        return Err(email_taken());
    }

    let password = new.password.to_owned();
    let (hash, key_pair) = tokio::join!(
        tokio::task::spawn_blocking(move || passwords::hash(&password)),
        tokio::task::spawn_blocking(keys::generate),
    );
    let hash = hash.map_err(anyhow::Error::from)??;
    let key_pair = key_pair.map_err(anyhow::Error::from)??;

    let mut tx = crate::db::begin(pool).await?;
    let account_id = db::accounts::insert_local(
        &mut *tx,
        &db::accounts::NewLocalAccount {
            username,
            public_key_pem: &key_pair.public_pem,
            private_key_pem: &key_pair.private_pem,
        },
    )
    .await
    .map_err(|e| map_unique(e, "accounts_local_username_key", username_taken))?;
    let user_id = db::users::insert(
        &mut *tx,
        &db::users::NewUser {
            account_id,
            email,
            password_hash: &hash,
            role: new.role.as_str(),
            approved: new.approved,
            locale: new.locale,
            sign_up_reason: new.reason,
            // The operator vouches for the addresses of accounts they make.
            confirmed: new.creator == Creator::Operator,
        },
    )
    .await
    .map_err(|e| map_unique(e, "users_email_key", email_taken))?;
    // The staff hear of sign-ups (to approve them, or to welcome them), not of accounts the
    // operator made.
    if new.creator == Creator::SignUp {
        db::notifications::notify_staff(&mut *tx, account_id, "admin.sign_up", None).await?;
    }
    tx.commit().await?;
    Ok(Created { account_id, user_id })
}

/// What a person signing up gives, through the API or the page.
#[derive(Debug)]
pub struct SignUp<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub agreement: bool,
    pub locale: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// The client's address, checked against the staff's address blocks.
    pub ip: &'a str,
    /// An invite link's code: lets the person in whatever the mode, without approval.
    pub invite_code: Option<&'a str>,
}

/// Creates an account for a sign-up: the agreement must be accepted, an unusable locale falls
/// back to `en`, and in approval mode the account waits for the staff (who get a mail, if they
/// asked for one). A mail asks the new member to confirm their address.
pub async fn sign_up(state: &AppState, request: &SignUp<'_>) -> AppResult<Created> {
    if !request.agreement {
        return Err(AppError::Validation {
            field: "agreement",
            code: "ERR_ACCEPTED",
            description: "Agreement must be accepted".into(),
        });
    }
    let locale = request
        .locale
        .map(str::trim)
        .filter(|l| {
            (2..=10).contains(&l.len())
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .unwrap_or("en");
    use crate::actions::sign_up_blocks::{self, Severity};
    let severity = sign_up_blocks::severity_for(&state.db, request.ip).await?;
    if severity >= Some(Severity::SignUpBlock) {
        return Err(AppError::Forbidden(
            "Sign-ups from your address are not allowed here".into(),
        ));
    }
    sign_up_blocks::check_email(&state.db, request.email).await?;
    let invite = match request.invite_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(crate::actions::invites::usable(&state.db, code).await?),
        None => None,
    };
    let mode = state.config.registrations.mode;
    if invite.is_none() && !mode.open_to_all() {
        return Err(AppError::Forbidden(
            "Sign-ups need an invite on this server".into(),
        ));
    }
    let pending = (mode == RegistrationMode::Approval && invite.is_none())
        || severity == Some(Severity::RequiresApproval);
    let reason = request.reason.map(str::trim).filter(|r| !r.is_empty());
    let created = create_local(
        &state.db,
        NewAccount {
            username: request.username,
            email: request.email,
            password: request.password,
            role: Role::User,
            approved: !pending,
            creator: Creator::SignUp,
            locale,
            reason,
        },
    )
    .await?;
    // The account exists whatever happens to the mails: a failure here leaves the member to ask
    // for the confirmation again, not without an account.
    let username = request.username.trim();
    let email = request.email.trim();
    let mut tx = crate::db::begin(&state.db).await?;
    crate::actions::emails::queue_confirmation(&mut tx, state, created.user_id, username, email, false)
        .await?;
    if let Some(invite) = &invite {
        // Counted once the account exists; two sign-ups racing for an invite's last use may
        // both get in, which costs nothing worse than one extra member.
        db::invites::use_once(&mut *tx, &invite.code).await?;
        db::invites::set_user_invite(&mut *tx, created.user_id, invite.id).await?;
    }
    if pending {
        let url = format!("{}/admin/accounts?status=pending", state.base_url);
        let notice = crate::email::notices::pending_sign_up(username, email, reason, &url);
        crate::actions::emails::notify_staff(&mut tx, state, "pending_sign_up", &notice).await?;
    }
    tx.commit().await?;
    Ok(created)
}

/// Approves a pending local account; false when it was approved already.
pub async fn approve(pool: &PgPool, username: &str) -> AppResult<bool> {
    let account = db::accounts::find_local_by_username(pool, username)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(db::users::approve(pool, account.id).await?)
}

/// A member's new avatar and header, each kept, replaced or removed.
#[derive(Debug, Default)]
pub struct PictureChanges {
    pub avatar: Change,
    pub header: Change,
}

/// What a profile update changes: the profile, the pictures and the posting preferences.
#[derive(Debug, Default)]
pub struct ProfileChanges {
    pub profile: db::accounts::ProfileUpdate,
    pub pictures: PictureChanges,
    pub preferences: db::users::PreferencesUpdate,
}

fn too_long(field: &'static str, label: &str, max: usize) -> AppError {
    AppError::Validation {
        field,
        code: "ERR_TOO_LONG",
        description: format!("{label} is too long (maximum is {max} characters)"),
    }
}

/// Profile fields as a profile keeps them: blank pairs dropped, names and values trimmed.
pub fn profile_fields(pairs: &[(String, String)]) -> serde_json::Value {
    serde_json::Value::Array(
        pairs
            .iter()
            .filter(|(name, value)| !(name.trim().is_empty() && value.trim().is_empty()))
            .map(|(name, value)| serde_json::json!({ "name": name.trim(), "value": value.trim() }))
            .collect(),
    )
}

/// Refuses a profile change over Mastodon's limits (names, bio, fields) or with an unknown
/// default visibility or language.
pub fn check_profile(changes: &ProfileChanges) -> AppResult<()> {
    use crate::mastodon::entities::instance::{
        MAX_DISPLAY_NAME_LENGTH, MAX_NOTE_LENGTH, MAX_PROFILE_FIELDS, PROFILE_FIELD_NAME_LIMIT,
        PROFILE_FIELD_VALUE_LIMIT,
    };
    let profile = &changes.profile;
    if let Some(name) = &profile.display_name
        && name.chars().count() > MAX_DISPLAY_NAME_LENGTH
    {
        return Err(too_long("display_name", "Display name", MAX_DISPLAY_NAME_LENGTH));
    }
    if let Some(note) = &profile.note
        && note.chars().count() > MAX_NOTE_LENGTH
    {
        return Err(too_long("note", "Bio", MAX_NOTE_LENGTH));
    }
    if let Some(fields) = profile.fields.as_ref().and_then(|f| f.as_array()) {
        if fields.len() > MAX_PROFILE_FIELDS {
            return Err(AppError::Validation {
                field: "fields",
                code: "ERR_TOO_LONG",
                description: format!("Fields are too many (maximum is {MAX_PROFILE_FIELDS})"),
            });
        }
        let length = |field: &serde_json::Value, key: &str| {
            field
                .get(key)
                .and_then(|v| v.as_str())
                .map_or(0, |v| v.chars().count())
        };
        for field in fields {
            if length(field, "name") > PROFILE_FIELD_NAME_LIMIT {
                return Err(too_long("fields", "Field name", PROFILE_FIELD_NAME_LIMIT));
            }
            if length(field, "value") > PROFILE_FIELD_VALUE_LIMIT {
                return Err(too_long("fields", "Field value", PROFILE_FIELD_VALUE_LIMIT));
            }
        }
    }
    let preferences = &changes.preferences;
    if let Some(privacy) = &preferences.default_privacy
        && !crate::actions::statuses::VISIBILITIES.contains(&privacy.as_str())
    {
        return Err(AppError::Validation {
            field: "source.privacy",
            code: "ERR_INCLUSION",
            description: "Privacy is not one of public, unlisted, private or direct".into(),
        });
    }
    if let Some(language) = &preferences.default_language
        && !language.is_empty()
        && !crate::mastodon::languages::is_known(language)
    {
        return Err(AppError::Validation {
            field: "source.language",
            code: "ERR_INCLUSION",
            description: "Language is not a known ISO 639-1 code".into(),
        });
    }
    Ok(())
}

/// Changes a member's profile, pictures and posting preferences together (after
/// [`check_profile`]).
/// Remote followers are sent the new profile. New pictures are written before the transaction
/// and removed if it fails; the pictures they replace are removed once it committed.
pub async fn update_profile(
    pool: &PgPool,
    base_url: &str,
    store: &MediaStore,
    account_id: i64,
    user_id: i64,
    changes: ProfileChanges,
) -> AppResult<()> {
    check_profile(&changes)?;
    let ProfileChanges {
        mut profile,
        pictures,
        preferences,
    } = changes;
    let mut written = Vec::new();
    for (change, file) in [
        (&pictures.avatar, &mut profile.avatar_file),
        (&pictures.header, &mut profile.header_file),
    ] {
        *file = match change {
            Change::Keep => None,
            Change::Remove => Some(None),
            Change::Replace(encoded) => match profile_images::write(store, account_id, encoded).await {
                Ok(name) => {
                    written.push(name.clone());
                    Some(Some(name))
                }
                Err(error) => {
                    profile_images::remove(store, &written).await;
                    return Err(AppError::Internal(error));
                }
            },
        };
    }
    // Posting preferences are the member's own: other servers hear only of profile changes.
    let profile_changed = !profile.is_empty();
    let saved = async {
        let mut tx = crate::db::begin(pool).await?;
        let replaced = db::accounts::update_profile(&mut *tx, account_id, &profile).await?;
        db::users::update_preferences(&mut *tx, user_id, &preferences).await?;
        if profile_changed {
            crate::federation::events::profile_updated(&mut tx, base_url, account_id).await?;
        }
        tx.commit().await?;
        Ok::<_, AppError>(replaced)
    }
    .await;
    match saved {
        Ok(replaced) => {
            profile_images::remove(store, &replaced.into_names()).await;
            Ok(())
        }
        Err(error) => {
            profile_images::remove(store, &written).await;
            Err(error)
        }
    }
}

fn username_taken() -> AppError {
    Problem::new("username", "ERR_TAKEN", "Username has already been taken").into()
}

pub(crate) fn email_taken() -> AppError {
    Problem::new("email", "ERR_TAKEN", "Email has already been taken").into()
}

fn map_unique(error: sqlx::Error, constraint: &str, to: fn() -> AppError) -> AppError {
    if db::is_unique_violation(&error, constraint) {
        to()
    } else {
        error.into()
    }
}

/// Deletes a member's account: every remote server that follows them or that they follow is
/// sent Delete(Person) (queued first, in the same transaction, so it goes to the servers those
/// follows name); then their statuses, media (rows, and files once committed), follows,
/// favourites, notifications and sign-in go. The row stays, marked suspended: it reserves the
/// name and keeps the key that signs the Delete.
pub async fn delete_local(
    pool: &PgPool,
    base_url: &str,
    store: &MediaStore,
    account_id: i64,
) -> AppResult<()> {
    let account = db::accounts::find(pool, account_id)
        .await?
        .filter(|a| a.domain.is_none())
        .ok_or(AppError::NotFound)?;
    let mut tx = crate::db::begin(pool).await?;
    crate::federation::events::account_deleted(&mut tx, base_url, account.id).await?;
    let files = db::remote_accounts::purge_content(&mut tx, account.id).await?;
    let pictures = db::accounts::clear_profile_images(&mut *tx, account.id).await?;
    db::account_moderation::delete_user(&mut *tx, account.id).await?;
    db::account_moderation::set_suspended(&mut *tx, account.id, true).await?;
    tx.commit().await?;
    store
        .delete(Collection::Attachments, &crate::media::storage::files_of(&files))
        .await;
    profile_images::remove(store, &pictures.into_names()).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_mastodon_rules() {
        assert_eq!(username_problem("alice_01", Creator::SignUp), None);
        assert_eq!(
            username_problem("x y", Creator::SignUp).map(|p| p.code),
            Some("ERR_INVALID")
        );
        assert_eq!(username_problem(&"a".repeat(30), Creator::SignUp), None);
        assert!(username_problem(&"a".repeat(31), Creator::SignUp).is_some());
        for bad in ["", "al ice", "al.ice", "al-ice", "élise", "a@b"] {
            assert!(username_problem(bad, Creator::Operator).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn system_names_are_reserved_for_everyone_and_staff_names_for_sign_ups() {
        assert!(username_problem("Root", Creator::Operator).is_some());
        assert!(username_problem("postmaster", Creator::SignUp).is_some());
        assert_eq!(username_problem("admin", Creator::Operator), None);
        assert!(username_problem("Admin", Creator::SignUp).is_some());
    }

    #[test]
    fn password_length_follows_mastodon() {
        assert_eq!(password_problem("short").map(|p| p.code), Some("ERR_TOO_SHORT"));
        assert_eq!(password_problem("12345678"), None);
        assert_eq!(
            password_problem(&"x".repeat(73)).map(|p| p.code),
            Some("ERR_TOO_LONG")
        );
    }

    #[test]
    fn emails_need_a_local_part_and_a_host() {
        assert_eq!(email_problem("admin@localhost"), None);
        assert_eq!(email_problem("a.b+c@mail.example.com"), None);
        for bad in [
            "", "plain", "@host", "me@", "me@@host", "a@b@c", "me @host", "me@.host", "me@host.",
        ] {
            assert!(email_problem(bad).is_some(), "{bad:?}");
        }
    }
}
