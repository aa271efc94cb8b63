//! Paging by id, as Mastodon reads it for every list: `max_id` and `since_id` bound a page read
//! newest first; `min_id` asks for the items just above it, read oldest first.

/// Paging bounds, already clamped.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

impl Page {
    /// The exclusive lower bound: `min_id`, else `since_id`.
    pub fn lower(&self) -> Option<i64> {
        self.min_id.or(self.since_id)
    }

    /// Whether the page is the one just above `min_id` (read oldest first, so that nothing
    /// between `min_id` and the page is skipped).
    ///
    /// A list query reads it in two branches, one per direction, each walking its index
    /// (`order by id desc` or `asc`, then `limit`), of which only the one `upward` names returns
    /// rows; the page is then put newest first. One computed `order by` would sort every match.
    pub fn upward(&self) -> bool {
        self.min_id.is_some()
    }
}
