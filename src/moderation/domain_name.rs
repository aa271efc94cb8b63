//! Domain names as policy compares them: one spelling per domain, whatever form it arrived in.

/// The one spelling of `input` that rules are stored and compared under: lower case, punycode
/// (IDNA to ASCII), without a trailing dot, port, scheme, path, wildcard prefix or
/// percent-encoding. `None` when nothing usable is left (empty, spaces, bad IDN, an IP-less mess).
///
/// Accepts what operators and lists write: `EVIL.TEST.`, `evil.test:443`, `*.evil.test`,
/// `https://evil.test/about`, `bücher.example`, `xn--bcher-kva.example`, `b%C3%BCcher.example`.
pub fn normalize(input: &str) -> Option<String> {
    let trimmed = input.trim();
    if let Some(fast) = already_normal(trimmed) {
        return Some(fast.to_owned());
    }
    // An IPv6 literal names no domain but is a host all the same (no rule covers it).
    if let Some(inner) = trimmed.strip_prefix('[').and_then(|rest| rest.split(']').next())
        && let Ok(ip) = inner.parse::<std::net::Ipv6Addr>()
    {
        return Some(format!("[{ip}]"));
    }
    let decoded = percent_encoding::percent_decode_str(trimmed).decode_utf8().ok()?;
    let mut host: &str = decoded.trim();
    if let Some((_, rest)) = host.split_once("://") {
        host = rest;
    }
    host = host.split(['/', '?', '#']).next().unwrap_or_default();
    if let Some((_, after_at)) = host.rsplit_once('@') {
        host = after_at;
    }
    host = strip_port(host);
    host = host.trim_start_matches("*.").trim_start_matches('.');
    host = host.trim_end_matches('.');
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c == '*') {
        return None;
    }
    let ascii = idna::domain_to_ascii(host).ok()?;
    let ascii = ascii.trim_end_matches('.');
    // DNS's own bounds: 253 characters in all, 63 a label. Anything longer names no host.
    if ascii.is_empty()
        || ascii.len() > MAX_LENGTH
        || ascii
            .split('.')
            .any(|label| label.is_empty() || label.len() > MAX_LABEL)
    {
        return None;
    }
    Some(ascii.to_owned())
}

/// The longest domain name (in its ASCII spelling).
const MAX_LENGTH: usize = 253;

/// The longest label of a domain name.
const MAX_LABEL: usize = 63;

/// The Unicode spelling of a normalized domain, for people (`xn--bcher-kva.example` ->
/// `bücher.example`); the input itself when it has none.
pub fn to_unicode(domain: &str) -> String {
    let (unicode, result) = idna::domain_to_unicode(domain);
    if result.is_ok() {
        unicode
    } else {
        domain.to_owned()
    }
}

/// `domain` with its middle masked, as Mastodon masks obfuscated rules: the first and last
/// quarter of its characters and every dot stay (at least one at each end), the rest become
/// `*` (`mastodon.social` -> `mas*****.***ial`). Enough to recognize a domain one already
/// knows, not enough to find one. Works on characters: the API passes the stored (punycode)
/// spelling, pages the Unicode one.
pub fn obfuscate(domain: &str) -> String {
    let chars: Vec<char> = domain.chars().collect();
    let shown = (chars.len() / 4).max(1);
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if c == '.' || i < shown || i >= chars.len().saturating_sub(shown) {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// `input` when it is already in normal form (the common case: a host taken from a parsed URL),
/// so checks on the hot path allocate nothing.
pub(crate) fn already_normal(input: &str) -> Option<&str> {
    let bytes = input.as_bytes();
    let plain = !bytes.is_empty()
        && bytes[0] != b'.'
        && bytes[bytes.len() - 1] != b'.'
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'.')
        && !input.contains("..")
        && input.len() <= MAX_LENGTH
        && input.split('.').all(|label| label.len() <= MAX_LABEL)
        // A label starting `xn--` must decode: pass it through the full path.
        && !input.contains("xn--");
    plain.then_some(input)
}

/// `host` without a `:port` suffix (IPv6 literals keep their colons inside brackets).
fn strip_port(host: &str) -> &str {
    if let Some(inner) = host.strip_prefix('[') {
        return inner.split(']').next().unwrap_or_default();
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

/// The domain and each parent, most specific first: `a.b.test`, `b.test`, `test`.
pub fn with_parents(domain: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(domain), |current| {
        current.split_once('.').map(|(_, parent)| parent)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_domain_normalizes_to_one() {
        for spelling in [
            "evil.test",
            "EVIL.TEST.",
            " Evil.Test ",
            "evil.test:8443",
            "*.evil.test",
            "https://evil.test/about?x=1",
            "evil%2Etest",
            "user@evil.test",
        ] {
            assert_eq!(normalize(spelling).as_deref(), Some("evil.test"), "{spelling}");
        }
    }

    #[test]
    fn a_name_longer_than_dns_allows_is_no_domain() {
        let label = "a".repeat(63);
        let longest = [label.as_str(); 3].join(".") + ".example";
        assert_eq!(normalize(&longest).as_deref(), Some(longest.as_str()));
        assert_eq!(
            normalize(&format!("{}.test", "a".repeat(64))),
            None,
            "a label of 64"
        );
        assert_eq!(normalize(&format!("{longest}.{label}")), None, "over 253 in all");
        assert_eq!(normalize(&"x.".repeat(2_500)), None, "5,000 characters");
    }

    #[test]
    fn an_ipv6_literal_is_a_host_of_its_own() {
        assert_eq!(normalize("[2001:DB8::1]").as_deref(), Some("[2001:db8::1]"));
        assert_eq!(normalize("[::1]:8080").as_deref(), Some("[::1]"));
    }

    #[test]
    fn unicode_and_punycode_domains_are_one_domain() {
        assert_eq!(
            normalize("bücher.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            normalize("BÜCHER.example.").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            normalize("XN--BCHER-KVA.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            normalize("b%C3%BCcher.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(to_unicode("xn--bcher-kva.example"), "bücher.example");
    }

    #[test]
    fn unusable_input_is_refused() {
        for junk in ["", "   ", ".", "a..b", "evil test", "*", "https:///x", "xn--zz"] {
            assert_eq!(normalize(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn obfuscation_keeps_the_ends_and_the_dots() {
        assert_eq!(obfuscate("evil.test"), "ev**.**st");
        assert_eq!(obfuscate("mastodon.social"), "mas*****.***ial");
        assert_eq!(obfuscate("a.b"), "a.b");
        assert_eq!(obfuscate("ab.cd"), "a*.*d");
        assert_eq!(obfuscate(""), "");
        assert_eq!(obfuscate("bücher.example").chars().count(), 14);
    }

    #[test]
    fn parents_run_from_most_to_least_specific() {
        let all: Vec<&str> = with_parents("a.b.test").collect();
        assert_eq!(all, ["a.b.test", "b.test", "test"]);
    }
}
