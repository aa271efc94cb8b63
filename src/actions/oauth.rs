//! OAuth 2 state changes: registering apps, issuing single-use codes, and issuing, refreshing
//! and revoking tokens. Secrets are returned once and stored as digests.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::scopes::Scopes;
use crate::secrets;

/// How long an authorization code may wait to be exchanged.
pub const CODE_LIFETIME_MINUTES: i64 = 10;

/// A token just issued, with its secrets in the clear (shown once).
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: String,
    pub refresh_token: String,
    pub scopes: String,
    pub created_at: DateTime<Utc>,
}

/// Registers an application; returns it with its client secret.
pub async fn register_application(
    pool: &PgPool,
    name: &str,
    website: Option<&str>,
    redirect_uris: &[String],
    scopes: &Scopes,
) -> AppResult<(db::oauth::Application, String)> {
    let client_id = secrets::random_token()?;
    let client_secret = secrets::random_token()?;
    let new = db::oauth::NewApplication {
        name,
        website,
        redirect_uris,
        scopes: &scopes.as_string(),
        client_id: &client_id.clone(),
        client_secret_digest: &secrets::digest(&client_secret),
    };
    let id = db::oauth::insert_application(pool, &new).await?;
    let application = db::oauth::Application {
        id,
        name: name.to_owned(),
        website: website.map(str::to_owned),
        redirect_uris: redirect_uris.to_vec(),
        scopes: new.scopes.to_owned(),
        client_id,
        client_secret_digest: new.client_secret_digest.to_owned(),
    };
    Ok((application, client_secret))
}

/// Issues an authorization code for a member's consent; returns the code.
pub async fn issue_code(
    pool: &PgPool,
    application_id: i64,
    user_id: i64,
    redirect_uri: &str,
    scopes: &Scopes,
    code_challenge: Option<&str>,
) -> AppResult<String> {
    let code = secrets::random_token()?;
    db::oauth::insert_code(
        pool,
        &db::oauth::NewCode {
            code_digest: &secrets::digest(&code),
            application_id,
            user_id,
            redirect_uri,
            scopes: &scopes.as_string(),
            code_challenge,
            expires_at: Utc::now() + Duration::minutes(CODE_LIFETIME_MINUTES),
        },
    )
    .await?;
    Ok(code)
}

fn invalid_grant(description: &str) -> AppError {
    AppError::OAuth {
        code: "invalid_grant",
        description: description.to_owned(),
    }
}

/// What the client proved when exchanging a code.
#[derive(Debug, Clone, Copy)]
pub struct ClientProof<'a> {
    /// The client secret was given and is right.
    pub authenticated: bool,
    pub code_verifier: Option<&'a str>,
}

/// Exchanges a code for a token, once: the code, its redirect URI, and PKCE (when the code was
/// issued with a challenge) must all match. A code presented twice revokes what it issued.
pub async fn exchange_code(
    pool: &PgPool,
    application_id: i64,
    code: &str,
    redirect_uri: &str,
    proof: ClientProof<'_>,
) -> AppResult<IssuedToken> {
    let digest = secrets::digest(code);
    let mut tx = crate::db::begin(pool).await?;
    let Some(stored) = db::oauth::consume_code(&mut tx, &digest).await? else {
        drop(tx);
        db::oauth::revoke_tokens_of_reused_code(pool, &digest).await?;
        return Err(invalid_grant(
            "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
        ));
    };
    // A failed exchange burns the code all the same: no second guess at the verifier.
    if let Err(error) = check_exchange(&stored, application_id, redirect_uri, proof) {
        tx.commit().await?;
        return Err(error);
    }
    let scopes = Scopes::parse(&stored.scopes).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let token = insert_token(&mut tx, application_id, Some(stored.user_id), &scopes).await?;
    tx.commit().await?;
    Ok(token)
}

fn check_exchange(
    stored: &db::oauth::Code,
    application_id: i64,
    redirect_uri: &str,
    proof: ClientProof<'_>,
) -> AppResult<()> {
    if stored.application_id != application_id || stored.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "The authorization code was issued to another client or redirect URI.",
        ));
    }
    match (&stored.code_challenge, proof.code_verifier) {
        (Some(challenge), Some(verifier)) => {
            if secrets::constant_time_eq(&secrets::pkce_challenge(verifier), challenge) {
                Ok(())
            } else {
                Err(invalid_grant(
                    "The code verifier does not match the code challenge.",
                ))
            }
        }
        (Some(_), None) => Err(invalid_grant("A code verifier is required.")),
        (None, _) if !proof.authenticated => Err(AppError::OAuth {
            code: "invalid_client",
            description: "Client authentication failed.".into(),
        }),
        (None, _) => Ok(()),
    }
}

/// Issues a token directly (client credentials, password grant, sign-up).
pub async fn issue_token(
    pool: &PgPool,
    application_id: i64,
    user_id: Option<i64>,
    scopes: &Scopes,
) -> AppResult<IssuedToken> {
    let mut connection = pool.acquire().await?;
    insert_token(&mut connection, application_id, user_id, scopes).await
}

async fn insert_token(
    db: &mut PgConnection,
    application_id: i64,
    user_id: Option<i64>,
    scopes: &Scopes,
) -> AppResult<IssuedToken> {
    let access_token = secrets::random_token()?;
    let refresh_token = secrets::random_token()?;
    let scopes = scopes.as_string();
    let (_, created_at) = db::oauth::insert_token(
        &mut *db,
        &db::oauth::NewToken {
            token_digest: &secrets::digest(&access_token),
            refresh_token_digest: Some(&secrets::digest(&refresh_token)),
            application_id,
            user_id,
            scopes: &scopes,
        },
    )
    .await?;
    Ok(IssuedToken {
        access_token,
        refresh_token,
        scopes,
        created_at,
    })
}

/// Trades a refresh token for a new token (the old one is revoked); the scopes may narrow.
pub async fn refresh(
    pool: &PgPool,
    application_id: i64,
    refresh_token: &str,
    requested: Option<&Scopes>,
) -> AppResult<IssuedToken> {
    let mut tx = crate::db::begin(pool).await?;
    let old = db::oauth::revoke_by_refresh_token(&mut tx, &secrets::digest(refresh_token))
        .await?
        .filter(|t| t.application_id == application_id)
        .ok_or_else(|| invalid_grant("The refresh token is invalid."))?;
    let granted = Scopes::parse(&old.scopes).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let scopes = match requested {
        Some(requested) if !requested.within(&granted) => {
            return Err(AppError::OAuth {
                code: "invalid_scope",
                description: "The requested scope exceeds the scope granted.".into(),
            });
        }
        Some(requested) => requested.clone(),
        None => granted,
    };
    let token = insert_token(&mut tx, application_id, old.user_id, &scopes).await?;
    tx.commit().await?;
    Ok(token)
}

/// Revokes an access or refresh token of the application (unknown tokens are ignored, RFC 7009).
pub async fn revoke(pool: &PgPool, application_id: i64, token: &str) -> AppResult<()> {
    db::oauth::revoke_token(pool, application_id, &secrets::digest(token)).await?;
    Ok(())
}

/// Takes back everything a member authorized an application to do (all its tokens of theirs);
/// whether it held any.
pub async fn revoke_application(pool: &PgPool, user_id: i64, application_id: i64) -> AppResult<bool> {
    Ok(db::oauth::revoke_user_tokens(pool, user_id, application_id).await? > 0)
}
