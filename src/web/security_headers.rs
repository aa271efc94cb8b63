//! Security headers on every answer: a content security policy by kind of answer, framing refused,
//! referrers kept on the site, no type sniffing, and HSTS when the instance is served over https.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::AppState;

/// Pages: our own styles and scripts only, nothing inline; images and media from anywhere (remote
/// avatars and attachments are shown from their servers); forms post only here; never framed.
pub const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src * data: blob:; media-src * data: blob:; connect-src 'self'; font-src 'self'; \
    manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The OAuth consent page: as [`PAGE_POLICY`], but its form's answer redirects to the
/// application's own redirect URI (another host, or an app's scheme), which a `form-action`
/// would block in Chromium; the form itself still posts only here.
pub const CONSENT_PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src * data: blob:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Everything else (JSON, feeds, stylesheets): nothing runs if a browser opens it as a document.
const DOCUMENT_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Two years, as browsers' preload lists ask.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Middleware: adds the headers a handler did not set itself.
///
/// A page answered to a signed-in browser is the member's own (their navigation, their forms'
/// tokens): a shared cache must not keep it, nor hand a public page's cached copy to them.
pub async fn add_security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let signed_in = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|cookies| cookies.contains(crate::web::session::SESSION_COOKIE));
    let mut response = next.run(request).await;
    let https = state.config.server.https;
    let headers = response.headers_mut();
    secure(headers, https);
    if is_page(headers) {
        headers.append(header::VARY, HeaderValue::from_static("Cookie"));
        if signed_in {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
        }
    }
    response
}

fn is_page(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().to_ascii_lowercase().starts_with("text/html"))
}

fn secure(headers: &mut HeaderMap, https: bool) {
    let is_page = is_page(headers);
    let policy = if is_page { PAGE_POLICY } else { DOCUMENT_POLICY };
    set_default(headers, header::CONTENT_SECURITY_POLICY, policy);
    if is_page {
        set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    }
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::REFERRER_POLICY, "same-origin");
    if https {
        set_default(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    headers
        .entry(name)
        .or_insert_with(|| HeaderValue::from_static(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_get_the_page_policy_and_a_handlers_own_policy_stands() {
        let mut page = HeaderMap::new();
        page.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        secure(&mut page, true);
        assert_eq!(page[header::CONTENT_SECURITY_POLICY], PAGE_POLICY);
        assert_eq!(page[header::X_FRAME_OPTIONS], "DENY");
        assert!(page.contains_key(header::STRICT_TRANSPORT_SECURITY));

        let mut json = HeaderMap::new();
        json.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        secure(&mut json, false);
        assert_eq!(json[header::CONTENT_SECURITY_POLICY], DOCUMENT_POLICY);
        assert!(!json.contains_key(header::X_FRAME_OPTIONS));
        assert!(!json.contains_key(header::STRICT_TRANSPORT_SECURITY));
        assert_eq!(json[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

        let mut consent = HeaderMap::new();
        consent.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        consent.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONSENT_PAGE_POLICY),
        );
        secure(&mut consent, false);
        assert_eq!(consent[header::CONTENT_SECURITY_POLICY], CONSENT_PAGE_POLICY);
    }
}
