//! Signed requests (fetches of our actors, statuses and collections) from a suspended domain are
//! refused with 403, so a suspended server's signed crawling gets nothing; unsigned fetches of
//! public documents are answered as to anyone.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::vocab;
use crate::app::AppState;

/// Refuses a request whose signature's key lives on a suspended domain.
pub async fn refuse_suspended_signers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(host) = signer_host(request.headers())
        && state.federation.policy.is_suspended(&host)
    {
        return (
            StatusCode::FORBIDDEN,
            "this server does not federate with your domain",
        )
            .into_response();
    }
    next.run(request).await
}

/// The host of the key a request says it is signed with (cavage `Signature: keyId="..."` or
/// RFC 9421 `Signature-Input: ...;keyid="..."`), when it names one.
fn signer_host(headers: &HeaderMap) -> Option<String> {
    // `Signature`, `Authorization: Signature ...` (cavage) or `Signature-Input` (RFC 9421).
    ["signature", "authorization", "signature-input"]
        .iter()
        .filter_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
        .find_map(key_id_of)
        .and_then(vocab::host_of)
}

/// The `keyId="..."` (any case) a signature header names.
fn key_id_of(value: &str) -> Option<&str> {
    let name = "keyid=\"";
    let start = value.to_ascii_lowercase().find(name)? + name.len();
    let rest = value.get(start..)?;
    rest.find('"').map(|end| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signer_host_is_read_from_either_signature_style() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "signature",
            r#"keyId="https://evil.test/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date",signature="x""#
                .parse()
                .unwrap(),
        );
        assert_eq!(signer_host(&headers).as_deref(), Some("evil.test"));
        let mut headers = HeaderMap::new();
        headers.insert(
            "signature-input",
            r#"sig1=("@method" "@target-uri");created=1;keyid="https://Sub.Evil.test/actor#key""#
                .parse()
                .unwrap(),
        );
        assert_eq!(signer_host(&headers).as_deref(), Some("sub.evil.test"));
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            r#"Signature KEYID="https://evil.test/actor#key",signature="x""#
                .parse()
                .unwrap(),
        );
        assert_eq!(signer_host(&headers).as_deref(), Some("evil.test"));
        assert_eq!(signer_host(&HeaderMap::new()), None);
    }
}
