//! What a member's pages show of their own: their marks on statuses (favourited, boosted,
//! bookmarked, pinned, conversation muted) and their filters.

use std::collections::HashMap;
use std::sync::Arc;

use super::make_room;

use crate::db::filters::Filter;
use crate::db::statuses::ViewerMarks;

/// Members whose marks and filters are kept; past this, an eighth are forgotten.
const MAX_MEMBERS: usize = 2_000;
/// Marks kept per member; past this, the member's are forgotten and kept afresh.
const MAX_MARKS: usize = 4_000;

/// Marks and filters by member.
#[derive(Debug, Default)]
pub struct Members {
    marks: HashMap<i64, HashMap<i64, ViewerMarks>>,
    filters: HashMap<i64, Arc<Vec<Filter>>>,
}

impl Members {
    /// `viewer`'s marks on those of `ids` kept, and the ids not kept.
    pub fn marks(&self, viewer: i64, ids: &[i64]) -> (HashMap<i64, ViewerMarks>, Vec<i64>) {
        let kept = self.marks.get(&viewer);
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for id in ids {
            match kept.and_then(|k| k.get(id)) {
                Some(mark) => {
                    found.insert(*id, mark.clone());
                }
                None => missing.push(*id),
            }
        }
        (found, missing)
    }

    /// Keeps `viewer`'s marks on `ids` (a status missing from `marks` has none).
    pub fn insert_marks(&mut self, viewer: i64, ids: &[i64], marks: &HashMap<i64, ViewerMarks>) {
        if !self.marks.contains_key(&viewer) {
            make_room(&mut self.marks, MAX_MEMBERS);
        }
        let kept = self.marks.entry(viewer).or_default();
        if kept.len() + ids.len() > MAX_MARKS {
            kept.clear();
        }
        for id in ids {
            let mark = marks.get(id).cloned().unwrap_or(ViewerMarks {
                status_id: *id,
                ..ViewerMarks::default()
            });
            kept.insert(*id, mark);
        }
    }

    pub fn forget_marks(&mut self, viewer: i64) {
        self.marks.remove(&viewer);
    }

    /// `member`'s filters, if kept.
    pub fn filters(&self, member: i64) -> Option<Arc<Vec<Filter>>> {
        self.filters.get(&member).cloned()
    }

    pub fn insert_filters(&mut self, member: i64, filters: Arc<Vec<Filter>>) {
        make_room(&mut self.filters, MAX_MEMBERS);
        self.filters.insert(member, filters);
    }

    pub fn forget_filters(&mut self, member: i64) {
        self.filters.remove(&member);
    }

    pub fn clear(&mut self) {
        self.marks.clear();
        self.filters.clear();
    }
}
