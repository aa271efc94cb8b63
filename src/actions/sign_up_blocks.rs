//! Where sign-ups may not come from: mail domains (with their subdomains) and client addresses
//! (refused, or held for approval), kept by the staff; and the checks sign-up and sign-in make.

use std::net::IpAddr;
use std::str::FromStr;

use chrono::{Duration, Utc};
use sqlx::PgPool;

use crate::config::Network;
use crate::db;
use crate::db::sign_up_blocks::{EmailDomainBlock, IpBlock, IpBlockFields};
use crate::error::{AppError, AppResult};

/// What an address block does, mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Sign-ups from there wait for the staff's approval, whatever `registrations.mode`.
    RequiresApproval,
    /// No sign-ups from there.
    SignUpBlock,
    /// No sign-ups and no sign-ins from there.
    NoAccess,
}

impl Severity {
    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "sign_up_requires_approval" => Self::RequiresApproval,
            "sign_up_block" => Self::SignUpBlock,
            "no_access" => Self::NoAccess,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequiresApproval => "sign_up_requires_approval",
            Self::SignUpBlock => "sign_up_block",
            Self::NoAccess => "no_access",
        }
    }
}

/// The harshest live block covering the client address `ip` (as `ClientIp` gives it).
pub async fn severity_for(pool: &PgPool, ip: &str) -> AppResult<Option<Severity>> {
    let Ok(address) = IpAddr::from_str(ip.trim()) else {
        return Ok(None);
    };
    Ok(db::sign_up_blocks::list_ips(pool, true)
        .await?
        .iter()
        .filter(|block| Network::from_str(&block.ip).is_ok_and(|network| network.contains(address)))
        .filter_map(|block| Severity::parse(&block.severity))
        .max())
}

/// Refuses an address whose mail domain (or a domain above it) the staff blocked, as Mastodon
/// words it.
pub async fn check_email(pool: &PgPool, email: &str) -> AppResult<()> {
    let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if !domain.is_empty() && db::sign_up_blocks::is_email_domain_blocked(pool, &domain).await? {
        return Err(AppError::Validation {
            field: "email",
            code: "ERR_BLOCKED",
            description: "Email is not allowed: this provider is not accepted here".into(),
        });
    }
    Ok(())
}

/// Blocks sign-ups with addresses at `domain` and its subdomains; 422 when it is already blocked.
pub async fn block_email_domain(pool: &PgPool, domain: &str) -> AppResult<EmailDomainBlock> {
    let normalized = crate::moderation::domain_name::normalize(domain).ok_or_else(|| {
        AppError::Invalid(format!(
            "Validation failed: {:?} is not a domain name",
            domain.trim()
        ))
    })?;
    db::sign_up_blocks::insert_email_domain(pool, &normalized)
        .await?
        .ok_or_else(|| AppError::Invalid("Validation failed: Domain has already been taken".into()))
}

/// Lifts a mail-domain block.
pub async fn unblock_email_domain(pool: &PgPool, id: i64) -> AppResult<()> {
    if db::sign_up_blocks::delete_email_domain(pool, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// An address block as asked for: `ip` an address or CIDR block, Mastodon's severity words, an
/// optional comment, and how long it lasts (`expires_in` seconds; none: until lifted).
#[derive(Debug, Clone, Default)]
pub struct IpBlockRequest<'a> {
    pub ip: &'a str,
    pub severity: &'a str,
    pub comment: &'a str,
    pub expires_in: Option<i64>,
}

fn checked<'a>(request: &IpBlockRequest<'a>) -> AppResult<IpBlockFields<'a>> {
    let ip = request.ip.trim();
    if Network::from_str(ip).is_err() {
        return Err(AppError::Invalid(format!(
            "Validation failed: Ip {ip:?} is not an address or a CIDR block"
        )));
    }
    let severity = Severity::parse(request.severity.trim())
        .ok_or_else(|| AppError::Invalid("Validation failed: Severity is not included in the list".into()))?;
    let expires_at = match request.expires_in {
        None => None,
        Some(seconds) if seconds > 0 && seconds <= 10 * 365 * 86_400 => {
            Some(Utc::now() + Duration::seconds(seconds))
        }
        Some(_) => {
            return Err(AppError::Invalid(
                "Validation failed: Expires in must be between a second and ten years".into(),
            ));
        }
    };
    if request.comment.chars().count() > 1000 || request.comment.contains('\0') {
        return Err(AppError::Invalid("Validation failed: Comment is too long".into()));
    }
    Ok(IpBlockFields {
        ip,
        severity: severity.as_str(),
        comment: request.comment.trim(),
        expires_at,
    })
}

/// Adds an address block.
pub async fn block_ip(pool: &PgPool, request: &IpBlockRequest<'_>) -> AppResult<IpBlock> {
    Ok(db::sign_up_blocks::insert_ip(pool, &checked(request)?).await?)
}

/// Changes an address block.
pub async fn update_ip_block(pool: &PgPool, id: i64, request: &IpBlockRequest<'_>) -> AppResult<IpBlock> {
    db::sign_up_blocks::update_ip(pool, id, &checked(request)?)
        .await?
        .ok_or(AppError::NotFound)
}

/// Lifts an address block.
pub async fn unblock_ip(pool: &PgPool, id: i64) -> AppResult<()> {
    if db::sign_up_blocks::delete_ip(pool, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
