//! The streams a client can subscribe to, by Mastodon's names (`user`, `public:local:media`,
//! `hashtag`, `list`, ...), and the scope each needs.

/// Which public statuses a public or hashtag stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    All,
    Local,
    Remote,
}

/// One stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stream {
    User,
    UserNotification,
    Public { origin: Origin, only_media: bool },
    Hashtag { tag: String, local: bool },
    List(i64),
    Direct,
}

/// Why a stream cannot be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    /// A parameter is missing (`tag`, `list`).
    Missing(&'static str),
    /// The stream needs a signed-in member.
    NeedsUser,
}

impl Refusal {
    /// Mastodon's wording of the problem.
    pub fn message(&self) -> String {
        match self {
            Refusal::Unknown => "Unknown stream type".into(),
            Refusal::Missing(name) => format!("Missing {name} parameter"),
            Refusal::NeedsUser => "Missing access token".into(),
        }
    }
}

impl Stream {
    /// The stream named `name` (with its `tag` or `list` parameter; `only_media` is the SSE
    /// endpoints' `only_media` query for public streams).
    pub fn parse(
        name: &str,
        tag: Option<&str>,
        list: Option<&str>,
        only_media: bool,
    ) -> Result<Stream, Refusal> {
        let public = |origin, media: bool| Stream::Public {
            origin,
            only_media: media || only_media,
        };
        let tag = || {
            tag.map(|t| t.trim().trim_start_matches('#').to_owned())
                .filter(|t| !t.is_empty())
                .ok_or(Refusal::Missing("tag"))
        };
        Ok(match name {
            "user" => Stream::User,
            "user:notification" => Stream::UserNotification,
            "public" => public(Origin::All, false),
            "public:media" => public(Origin::All, true),
            "public:local" => public(Origin::Local, false),
            "public:local:media" => public(Origin::Local, true),
            "public:remote" => public(Origin::Remote, false),
            "public:remote:media" => public(Origin::Remote, true),
            "hashtag" => Stream::Hashtag {
                tag: tag()?,
                local: false,
            },
            "hashtag:local" => Stream::Hashtag {
                tag: tag()?,
                local: true,
            },
            "list" => Stream::List(list.and_then(crate::ids::parse).ok_or(Refusal::Missing("list"))?),
            "direct" => Stream::Direct,
            _ => return Err(Refusal::Unknown),
        })
    }

    /// Whether only a signed-in member may have it.
    pub fn needs_user(&self) -> bool {
        matches!(
            self,
            Stream::User | Stream::UserNotification | Stream::List(_) | Stream::Direct
        )
    }

    /// The scopes that grant it (any one).
    pub fn scopes(&self) -> &'static [&'static str] {
        match self {
            Stream::UserNotification => &["read", "read:notifications"],
            Stream::User => &["read", "read:statuses", "read:notifications"],
            _ => &["read", "read:statuses"],
        }
    }

    /// The `stream` array of an event's frame: the name, and the tag or list it was asked with.
    pub fn names(&self) -> Vec<String> {
        let name = |origin: Origin, media: bool| {
            let mut name = String::from("public");
            match origin {
                Origin::All => {}
                Origin::Local => name.push_str(":local"),
                Origin::Remote => name.push_str(":remote"),
            }
            if media {
                name.push_str(":media");
            }
            name
        };
        match self {
            Stream::User => vec!["user".into()],
            Stream::UserNotification => vec!["user:notification".into()],
            Stream::Public { origin, only_media } => vec![name(*origin, *only_media)],
            Stream::Hashtag { tag, local } => vec![
                if *local { "hashtag:local" } else { "hashtag" }.into(),
                tag.clone(),
            ],
            Stream::List(id) => vec!["list".into(), id.to_string()],
            Stream::Direct => vec!["direct".into()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_read_and_named_as_mastodon_names_them() {
        for name in [
            "user",
            "user:notification",
            "public",
            "public:local:media",
            "public:remote",
            "direct",
        ] {
            assert_eq!(
                Stream::parse(name, None, None, false).unwrap().names(),
                vec![name.to_owned()]
            );
        }
        assert_eq!(
            Stream::parse("public:local", None, None, true).unwrap().names(),
            vec!["public:local:media".to_owned()]
        );
        assert_eq!(
            Stream::parse("hashtag", Some("#Rust"), None, false)
                .unwrap()
                .names(),
            vec!["hashtag".to_owned(), "Rust".to_owned()]
        );
        assert_eq!(
            Stream::parse("hashtag", None, None, false),
            Err(Refusal::Missing("tag"))
        );
        assert_eq!(
            Stream::parse("list", None, Some("x"), false),
            Err(Refusal::Missing("list"))
        );
        assert_eq!(Stream::parse("nope", None, None, false), Err(Refusal::Unknown));
        assert!(Stream::parse("user", None, None, false).unwrap().needs_user());
        assert!(!Stream::parse("public", None, None, false).unwrap().needs_user());
    }
}
