//! Statuses and accounts as every viewer sees them (no marks, no poll), so a page of statuses
//! needs the database only for what is new or changed and for the viewer's own marks.

use std::collections::HashMap;
use std::sync::Arc;

use super::make_room;

use crate::mastodon::entities::{Account, Status};

/// Statuses kept; past this, an eighth are forgotten to make room.
const MAX_STATUSES: usize = 20_000;
/// Accounts kept; likewise.
const MAX_ACCOUNTS: usize = 20_000;

/// A status rendered without a viewer: its account is filled in when shown, from the accounts
/// kept here, and the viewer's marks from the database.
#[derive(Debug)]
pub struct RenderedStatus {
    pub id: i64,
    pub status: Status,
    pub account_id: i64,
    pub reblog_of: Option<i64>,
}

/// The statuses and accounts kept.
#[derive(Debug, Default)]
pub struct Rendered {
    statuses: HashMap<i64, Arc<RenderedStatus>>,
    accounts: HashMap<i64, Account>,
}

impl Rendered {
    pub fn status(&self, id: i64) -> Option<Arc<RenderedStatus>> {
        self.statuses.get(&id).cloned()
    }

    /// Those of the accounts `ids` kept, and the ids not kept.
    pub fn accounts(&self, ids: &[i64]) -> (HashMap<i64, Account>, Vec<i64>) {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for id in ids {
            match self.accounts.get(id) {
                Some(account) => {
                    found.insert(*id, account.clone());
                }
                None => missing.push(*id),
            }
        }
        (found, missing)
    }

    pub fn insert_status(&mut self, id: i64, status: Arc<RenderedStatus>) {
        make_room(&mut self.statuses, MAX_STATUSES);
        self.statuses.insert(id, status);
    }

    /// Keeps `account`, unless it moved: it shows its target, whose changes would not reach
    /// this copy.
    pub fn insert_account(&mut self, id: i64, account: Account) {
        if account.moved.is_some() {
            return;
        }
        make_room(&mut self.accounts, MAX_ACCOUNTS);
        self.accounts.insert(id, account);
    }

    pub fn forget_status(&mut self, id: i64) {
        self.statuses.remove(&id);
    }

    pub fn forget_account(&mut self, id: i64) {
        self.accounts.remove(&id);
    }

    pub fn clear(&mut self) {
        self.statuses.clear();
        self.accounts.clear();
    }
}
