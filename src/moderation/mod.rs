//! Federation policy and moderation: the domain gate, block lists, account sanctions, reports.

pub mod blocklist;
pub mod domain_name;
pub mod domain_policy;

pub use domain_policy::{DomainPolicy, Severity, Verdict};
