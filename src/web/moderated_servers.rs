//! The list of moderated servers as the About page shows it: severity in words, masked names.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::db::domain_blocks::DomainBlock;
use crate::moderation::domain_name::{obfuscate, to_unicode};
use crate::moderation::domain_policy::{Rule, Severity};
use crate::secrets;

/// One line of the public list.
#[derive(Debug, Clone)]
pub struct ModeratedServer {
    /// The domain in Unicode, or its masked form when the rule is obfuscated.
    pub domain: String,
    /// The SHA-256 of the (normalized) domain, given only for masked names, so that anyone who
    /// knows a name can check whether it is on the list.
    pub digest: Option<String>,
    /// What the rule does, in words.
    pub severity: &'static str,
    pub comment: String,
}

/// The rule's effect in the words the page shows; `None` for rules members never notice
/// (only `reject_reports`), which the public list leaves out, as Mastodon's does.
pub fn severity_words(rule: Rule) -> Option<&'static str> {
    match (rule.severity, rule.reject_media) {
        (Severity::Suspend, _) => Some("Suspended"),
        (Severity::Silence, false) => Some("Limited"),
        (Severity::Silence, true) => Some("Limited, media rejected"),
        (Severity::Noop, true) => Some("Media rejected"),
        (Severity::Noop, false) => None,
    }
}

/// The public list: the database's rules and the configuration file's rules that have no row,
/// in the order of the names shown (masked names sort by their mask).
pub fn public_list(config: &Config, rows: &[DomainBlock]) -> Vec<ModeratedServer> {
    let mut shown: BTreeMap<(String, String), ModeratedServer> = BTreeMap::new();
    for row in rows {
        if let Some(server) = line(
            &row.domain,
            row.rule(),
            row.obfuscate,
            row.public_comment.as_deref(),
        ) {
            shown.insert((server.domain.clone(), row.domain.clone()), server);
        }
    }
    for (domain, rule) in config.federation.configured_rules() {
        if rows.iter().any(|row| row.domain == domain) {
            continue;
        }
        if let Some(server) = line(&domain, rule, false, None) {
            shown.insert((server.domain.clone(), domain), server);
        }
    }
    shown.into_values().collect()
}

fn line(domain: &str, rule: Rule, masked: bool, comment: Option<&str>) -> Option<ModeratedServer> {
    let severity = severity_words(rule)?;
    let unicode = to_unicode(domain);
    Some(ModeratedServer {
        domain: if masked { obfuscate(&unicode) } else { unicode },
        digest: masked.then(|| secrets::digest(domain)),
        severity,
        comment: comment.unwrap_or_default().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_members_never_notice_are_left_out() {
        let rule = |severity, reject_media| Rule {
            severity,
            reject_media,
            reject_reports: true,
        };
        assert_eq!(severity_words(rule(Severity::Suspend, false)), Some("Suspended"));
        assert_eq!(severity_words(rule(Severity::Silence, false)), Some("Limited"));
        assert_eq!(severity_words(rule(Severity::Noop, true)), Some("Media rejected"));
        assert_eq!(severity_words(rule(Severity::Noop, false)), None);
    }
}
