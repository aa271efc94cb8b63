//! Paging by id: `max_id`, `since_id`, `min_id`, `limit`, and the `Link` header clients follow.

use axum::http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;

use crate::db::paging::Page;
use crate::mastodon::params::empty_as_none;

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 20;
/// Largest page size.
pub const MAX_LIMIT: i64 = 40;

/// Paging parameters.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct PageParams {
    #[serde(default, deserialize_with = "empty_as_none")]
    pub max_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub since_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub min_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub limit: Option<i64>,
}

impl PageParams {
    /// The page size asked for, within 1..=40.
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// The bounds as the list queries take them, with the default page size.
    pub fn page(&self) -> Page {
        self.page_of(self.limit())
    }

    /// The bounds with a page size of the endpoint's own.
    pub fn page_of(&self, limit: i64) -> Page {
        Page {
            max_id: self.max_id,
            since_id: self.since_id,
            min_id: self.min_id,
            limit,
        }
    }
}

/// `Link: <...?max_id=OLDEST>; rel="next", <...?min_id=NEWEST>; rel="prev"` for a page whose
/// items' paging ids are `ids` (newest first); none for an empty page.
pub fn link_header(base_url: &str, path: &str, ids: &[i64], limit: i64) -> Option<HeaderValue> {
    let (newest, oldest) = (ids.first()?, ids.last()?);
    let value = format!(
        "<{base_url}{path}?limit={limit}&max_id={oldest}>; rel=\"next\", <{base_url}{path}?limit={limit}&min_id={newest}>; rel=\"prev\""
    );
    HeaderValue::from_str(&value).ok()
}

/// Response headers for a page: its `Link` header, or none for an empty page.
pub fn link_headers(base_url: &str, path: &str, ids: &[i64], limit: i64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(link) = link_header(base_url, path, ids, limit) {
        headers.insert(header::LINK, link);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_points_both_ways_with_absolute_urls() {
        let header = link_header("https://x.test", "/api/v1/follow_requests", &[30, 20, 10], 20).unwrap();
        assert_eq!(
            header.to_str().unwrap(),
            "<https://x.test/api/v1/follow_requests?limit=20&max_id=10>; rel=\"next\", \
             <https://x.test/api/v1/follow_requests?limit=20&min_id=30>; rel=\"prev\""
        );
        assert!(link_header("https://x.test", "/a", &[], 20).is_none());
    }

    #[test]
    fn limit_is_clamped() {
        let params = PageParams {
            limit: Some(500),
            ..PageParams::default()
        };
        assert_eq!(params.limit(), 40);
        assert_eq!(PageParams::default().limit(), 20);
    }
}
