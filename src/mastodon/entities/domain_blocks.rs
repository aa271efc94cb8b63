//! Domain rules as clients see them: Admin::DomainBlock, Admin::DomainAllow, the public
//! DomainBlock (masked where obfuscated), and the 422 a duplicate rule answers.

use serde::Serialize;

use super::{format_id, format_time};
use crate::db::domain_blocks::{DomainAllow, DomainBlock};
use crate::secrets;

/// Admin::DomainBlock.
#[derive(Debug, Clone, Serialize)]
pub struct AdminDomainBlock {
    pub id: String,
    /// As stored: normalized, IDN in punycode (as Mastodon stores and answers it).
    pub domain: String,
    pub digest: String,
    pub created_at: String,
    pub severity: String,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
}

impl AdminDomainBlock {
    /// The entity for a stored rule.
    pub fn from_row(row: &DomainBlock) -> Self {
        Self {
            id: format_id(row.id),
            domain: row.domain.clone(),
            digest: secrets::digest(&row.domain),
            created_at: format_time(row.created_at),
            severity: row.severity.clone(),
            reject_media: row.reject_media,
            reject_reports: row.reject_reports,
            private_comment: row.private_comment.clone(),
            public_comment: row.public_comment.clone(),
            obfuscate: row.obfuscate,
        }
    }
}

/// The 422 answer to a rule that duplicates or is weaker than an existing one.
#[derive(Debug, Clone, Serialize)]
pub struct ExistingDomainBlockError {
    pub error: String,
    pub existing_domain_block: AdminDomainBlock,
}

impl ExistingDomainBlockError {
    /// The 422 body naming `row`, the rule that stands.
    pub fn from_row(row: &DomainBlock) -> Self {
        Self {
            error: format!(
                "A rule for {} already exists and is at least as strict; change it instead",
                row.domain
            ),
            existing_domain_block: AdminDomainBlock::from_row(row),
        }
    }
}

/// Admin::DomainAllow.
#[derive(Debug, Clone, Serialize)]
pub struct AdminDomainAllow {
    pub id: String,
    pub domain: String,
    pub created_at: String,
}

impl AdminDomainAllow {
    /// The entity for a stored allowed domain.
    pub fn from_row(row: &DomainAllow) -> Self {
        Self {
            id: format_id(row.id),
            domain: row.domain.clone(),
            created_at: format_time(row.created_at),
        }
    }
}

/// DomainBlock: one line of the public list of moderated servers.
#[derive(Debug, Clone, Serialize)]
pub struct PublicDomainBlock {
    /// The domain, masked when the rule says to obfuscate it.
    pub domain: String,
    /// SHA-256 (hex) of the real domain, so a known domain can be checked against the list.
    pub digest: String,
    /// `silence` or `suspend`.
    pub severity: String,
    pub comment: Option<String>,
}

impl PublicDomainBlock {
    /// The public line for a rule on `domain`.
    pub fn new(domain: &str, severity: &str, obfuscate: bool, comment: Option<String>) -> Self {
        Self {
            domain: if obfuscate {
                crate::moderation::domain_name::obfuscate(domain)
            } else {
                domain.to_owned()
            },
            digest: secrets::digest(domain),
            severity: severity.to_owned(),
            comment,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_sha256_hex_of_the_domain() {
        assert_eq!(
            secrets::digest("example.com"),
            "a379a6f6eeafb9a55e378c118034e2751e682fab9f2d30ab13d2125586ce1947"
        );
    }
}
