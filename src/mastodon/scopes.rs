//! OAuth scopes: parsing, the known set, and which granted scope covers which required one.

/// Every scope a client may ask for.
pub const KNOWN: &[&str] = &[
    "read",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "follow",
    "push",
    "profile",
    "admin:read",
    "admin:read:accounts",
    "admin:read:reports",
    "admin:read:domain_allows",
    "admin:read:domain_blocks",
    "admin:read:ip_blocks",
    "admin:read:email_domain_blocks",
    "admin:read:canonical_email_blocks",
    "admin:write",
    "admin:write:accounts",
    "admin:write:reports",
    "admin:write:domain_allows",
    "admin:write:domain_blocks",
    "admin:write:ip_blocks",
    "admin:write:email_domain_blocks",
    "admin:write:canonical_email_blocks",
];

/// What `follow` stands for (Mastodon's legacy scope).
const FOLLOW_COVERS: &[&str] = &[
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
];

/// Scopes of an application or token, as a normalized space-separated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses space- (or `+`-) separated scopes; an empty string means `read`, as in Mastodon.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut scopes: Vec<String> = Vec::new();
        for scope in text.split([' ', '+', ',']).filter(|s| !s.is_empty()) {
            if !KNOWN.contains(&scope) {
                return Err(format!("unknown scope {scope:?}"));
            }
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
        if scopes.is_empty() {
            scopes.push("read".to_owned());
        }
        Ok(Self(scopes))
    }

    /// Whether a granted scope covers `required` (`read` covers `read:accounts`, and so on).
    pub fn grants(&self, required: &str) -> bool {
        self.0.iter().any(|granted| covers(granted, required))
    }

    /// Whether any of `required` is granted.
    pub fn grants_any(&self, required: &[&str]) -> bool {
        required.iter().any(|r| self.grants(r))
    }

    /// Whether every scope here is covered by `outer` (a token's scopes within its app's).
    pub fn within(&self, outer: &Scopes) -> bool {
        self.0.iter().all(|scope| outer.grants(scope))
    }

    /// The scopes as stored and shown: space-separated.
    pub fn as_string(&self) -> String {
        self.0.join(" ")
    }

    /// The scopes one by one.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

fn covers(granted: &str, required: &str) -> bool {
    granted == required
        || required
            .strip_prefix(granted)
            .is_some_and(|rest| rest.starts_with(':'))
        || (granted == "follow" && FOLLOW_COVERS.contains(&required))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broad_scopes_cover_their_granular_ones() {
        let scopes = Scopes::parse("read write:statuses follow").unwrap();
        assert!(scopes.grants("read:accounts"));
        assert!(scopes.grants("write:statuses"));
        assert!(!scopes.grants("write:accounts"));
        assert!(scopes.grants("write:follows"));
        assert!(!scopes.grants("push"));
        assert!(!scopes.grants("readx"));
    }

    #[test]
    fn admin_read_covers_its_children_only() {
        let scopes = Scopes::parse("admin:read").unwrap();
        assert!(scopes.grants("admin:read:accounts"));
        assert!(!scopes.grants("admin:write:accounts"));
        assert!(!scopes.grants("read"));
    }

    #[test]
    fn parsing_defaults_dedupes_and_refuses_unknown() {
        assert_eq!(Scopes::parse("").unwrap().as_string(), "read");
        assert_eq!(
            Scopes::parse("read+write read").unwrap().as_string(),
            "read write"
        );
        assert!(Scopes::parse("read everything").is_err());
    }

    #[test]
    fn requested_scopes_must_fit_within_the_app() {
        let app = Scopes::parse("read write").unwrap();
        assert!(Scopes::parse("read:accounts write").unwrap().within(&app));
        assert!(!Scopes::parse("read follow").unwrap().within(&app));
    }
}
