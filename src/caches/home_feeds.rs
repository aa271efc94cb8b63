//! The heads of members' home timelines: the newest ids, computed by the database's own home
//! query and forgotten when a change could alter them (a status by someone the member follows
//! or by themselves, or carrying a tag they follow; a change to their follows, followed tags,
//! mutes, blocks or domain blocks; moderation).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::{Caches, Ticket};
use crate::db;
use crate::db::timelines::{HomeHead, Page};

/// Ids kept per member: ten pages of 40.
pub const HEAD_LENGTH: i64 = 400;

/// Members whose heads are kept; past this, one is forgotten for each new one.
const MAX_MEMBERS: usize = 2_000;

/// A head is recomputed at least this often, whatever the change log says.
const MAX_AGE: Duration = Duration::from_secs(15 * 60);

/// One member's head.
#[derive(Debug)]
pub struct HomeFeed {
    /// Newest first.
    ids: Vec<i64>,
    /// Fewer than [`HEAD_LENGTH`] were found: this is the whole timeline.
    whole: bool,
    /// Accounts whose statuses can enter it.
    authors: Vec<i64>,
    /// Tags whose statuses can enter it.
    tags: Vec<i64>,
    expires: Instant,
}

impl HomeFeed {
    /// A head from the database's answer.
    pub fn new(head: HomeHead) -> Self {
        let until_mute_ends = head
            .mutes_change_at
            .map(|at| (at - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO));
        let lifetime = until_mute_ends.map_or(MAX_AGE, |d| d.min(MAX_AGE));
        Self {
            whole: (head.ids.len() as i64) < HEAD_LENGTH,
            ids: head.ids,
            authors: head.authors,
            tags: head.tags,
            expires: Instant::now() + lifetime,
        }
    }

    /// Whether a status by `author` could enter this head.
    pub fn follows(&self, author: i64) -> bool {
        self.authors.contains(&author)
    }

    /// Whether a status carrying `tag` could enter this head.
    pub fn follows_tag(&self, tag: i64) -> bool {
        self.tags.contains(&tag)
    }

    /// The ids of `page` (newest first, as the database answers), or `None` when the page reaches
    /// past what is kept.
    pub fn page(&self, page: &Page) -> Option<Vec<i64>> {
        let limit = usize::try_from(page.limit).ok()?;
        let lower = page.min_id.or(page.since_id).unwrap_or(i64::MIN);
        let upper = page.max_id.unwrap_or(i64::MAX);
        let in_bounds = self.ids.iter().copied().filter(|id| *id < upper && *id > lower);
        // Everything above the oldest id kept is kept; below it, only a whole timeline answers.
        let reaches_bottom = self.whole || self.ids.last().is_some_and(|oldest| lower >= *oldest);
        if page.min_id.is_some() {
            // The page just above `min_id`: the oldest `limit` in bounds, newest first.
            if !reaches_bottom {
                return None;
            }
            let all: Vec<i64> = in_bounds.collect();
            let start = all.len().saturating_sub(limit);
            return Some(all[start..].to_vec());
        }
        let ids: Vec<i64> = in_bounds.take(limit).collect();
        (reaches_bottom || ids.len() >= limit).then_some(ids)
    }
}

/// The ids of a page of `viewer`'s home timeline, from their cached head when it holds the page
/// (filled first if need be), else from the database; with the ticket the caches were read under.
pub async fn home_page(
    caches: &Caches,
    db: &PgPool,
    viewer: i64,
    page: &Page,
) -> sqlx::Result<(Vec<i64>, Option<Ticket>)> {
    let Some(ticket) = caches.fresh().await else {
        return Ok((db::timelines::home(db, viewer, page).await?, None));
    };
    let feed = match caches.with(|state| state.home.get(viewer)) {
        Some(feed) => feed,
        None => {
            let feed = Arc::new(HomeFeed::new(
                db::timelines::home_head(db, viewer, HEAD_LENGTH).await?,
            ));
            caches.with(|state| {
                let concerns = |event: &db::cache_events::CacheEvent| match event.kind {
                    b'm' => event.target == viewer,
                    b'a' => feed.follows(event.target),
                    b't' => feed.follows_tag(event.target),
                    _ => false,
                };
                if state.may_keep(ticket, concerns) {
                    state.home.insert(viewer, feed.clone());
                }
            });
            feed
        }
    };
    let ids = match feed.page(page) {
        Some(ids) => ids,
        None => db::timelines::home(db, viewer, page).await?,
    };
    Ok((ids, Some(ticket)))
}

/// The heads kept, by member, and who follows whom and which tags among them.
#[derive(Debug, Default)]
pub struct HomeFeeds {
    feeds: HashMap<i64, Arc<HomeFeed>>,
    /// Author to the members whose heads they can enter.
    readers: HashMap<i64, Vec<i64>>,
    /// Tag to the members whose heads its statuses can enter.
    tag_readers: HashMap<i64, Vec<i64>>,
}

/// Adds `member` as a reader of each of `keys`.
fn add_reader(index: &mut HashMap<i64, Vec<i64>>, keys: &[i64], member: i64) {
    for key in keys {
        index.entry(*key).or_default().push(member);
    }
}

/// Removes `member` as a reader of each of `keys`.
fn remove_reader(index: &mut HashMap<i64, Vec<i64>>, keys: &[i64], member: i64) {
    for key in keys {
        if let Some(readers) = index.get_mut(key) {
            readers.retain(|m| *m != member);
            if readers.is_empty() {
                index.remove(key);
            }
        }
    }
}

impl HomeFeeds {
    /// The member's head, if kept and not expired.
    pub fn get(&self, member: i64) -> Option<Arc<HomeFeed>> {
        self.feeds
            .get(&member)
            .filter(|feed| feed.expires > Instant::now())
            .cloned()
    }

    /// Keeps `feed` as `member`'s head.
    pub fn insert(&mut self, member: i64, feed: Arc<HomeFeed>) {
        self.forget(member);
        if self.feeds.len() >= MAX_MEMBERS
            && let Some(other) = self.feeds.keys().next().copied()
        {
            self.forget(other);
        }
        add_reader(&mut self.readers, &feed.authors, member);
        add_reader(&mut self.tag_readers, &feed.tags, member);
        self.feeds.insert(member, feed);
    }

    /// Forgets `member`'s head.
    pub fn forget(&mut self, member: i64) {
        let Some(feed) = self.feeds.remove(&member) else {
            return;
        };
        remove_reader(&mut self.readers, &feed.authors, member);
        remove_reader(&mut self.tag_readers, &feed.tags, member);
    }

    /// Forgets the heads a status by `author` could enter.
    pub fn forget_followers_of(&mut self, author: i64) {
        for member in self.readers.get(&author).cloned().unwrap_or_default() {
            self.forget(member);
        }
    }

    /// Forgets the heads a status carrying `tag` could enter.
    pub fn forget_followers_of_tag(&mut self, tag: i64) {
        for member in self.tag_readers.get(&tag).cloned().unwrap_or_default() {
            self.forget(member);
        }
    }

    /// Forgets every head.
    pub fn clear(&mut self) {
        self.feeds.clear();
        self.readers.clear();
        self.tag_readers.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(ids: &[i64], whole: bool) -> HomeFeed {
        HomeFeed {
            ids: ids.to_vec(),
            whole,
            authors: vec![1, 2],
            tags: vec![5],
            expires: Instant::now() + MAX_AGE,
        }
    }

    fn page(max_id: Option<i64>, since_id: Option<i64>, min_id: Option<i64>, limit: i64) -> Page {
        Page {
            max_id,
            since_id,
            min_id,
            limit,
        }
    }

    #[test]
    fn pages_inside_the_head_are_answered_and_pages_past_it_are_not() {
        let head = feed(&[90, 80, 70, 60, 50], false);
        assert_eq!(head.page(&page(None, None, None, 2)), Some(vec![90, 80]));
        assert_eq!(head.page(&page(Some(80), None, None, 2)), Some(vec![70, 60]));
        assert_eq!(head.page(&page(Some(60), None, None, 2)), None, "below the head");
        assert_eq!(head.page(&page(None, Some(60), None, 10)), Some(vec![90, 80, 70]));
        assert_eq!(head.page(&page(None, None, Some(60), 2)), Some(vec![80, 70]));
        assert_eq!(
            head.page(&page(None, None, Some(40), 2)),
            None,
            "min_id below the head"
        );
        assert_eq!(
            head.page(&page(Some(85), None, Some(50), 10)),
            Some(vec![80, 70, 60])
        );
    }

    #[test]
    fn a_whole_timeline_answers_every_page() {
        let head = feed(&[90, 80], true);
        assert_eq!(head.page(&page(Some(80), None, None, 40)), Some(vec![]));
        assert_eq!(head.page(&page(None, None, Some(10), 40)), Some(vec![90, 80]));
    }

    #[test]
    fn a_status_by_a_followed_author_forgets_only_their_readers() {
        let mut feeds = HomeFeeds::default();
        feeds.insert(10, Arc::new(feed(&[1], true)));
        let mut other = feed(&[2], true);
        other.authors = vec![3];
        feeds.insert(11, Arc::new(other));
        feeds.forget_followers_of(2);
        assert!(feeds.get(10).is_none());
        assert!(feeds.get(11).is_some());
        feeds.forget_followers_of(3);
        assert!(feeds.get(11).is_none());
        assert!(feeds.readers.is_empty());
        assert!(feeds.tag_readers.is_empty());
    }

    #[test]
    fn a_status_with_a_followed_tag_forgets_only_that_tags_readers() {
        let mut feeds = HomeFeeds::default();
        feeds.insert(10, Arc::new(feed(&[1], true)));
        let mut other = feed(&[2], true);
        other.tags = vec![6];
        feeds.insert(11, Arc::new(other));
        feeds.forget_followers_of_tag(5);
        assert!(feeds.get(10).is_none());
        assert!(feeds.get(11).is_some());
        assert!(!feeds.tag_readers.contains_key(&5));
    }
}
