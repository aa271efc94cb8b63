//! The JSON shapes Mastodon clients read. Nothing else in the crate speaks them.

mod account;
mod application;
mod domain_blocks;
pub mod instance;
mod lists_and_filters;
mod media;
mod moderation;
mod sign_up_blocks;
mod status;

pub use account::{Account, AccountField, CredentialAccount, Relationship, Role, Source, custom_emojis};
pub use application::{Application, CredentialApplication, Token};
pub use domain_blocks::{AdminDomainAllow, AdminDomainBlock, ExistingDomainBlockError, PublicDomainBlock};
pub use instance::{InstanceV1, InstanceV2, Rule};
pub use lists_and_filters::{
    Announcement, CustomEmoji, FilterKeyword, FilterStatus, FilterV1, FilterV2, List, Marker, Tag, TagHistory,
};
pub use media::MediaAttachment;
pub use moderation::{AccountWarning, AdminAccount, AdminReport, Report, ReportParties};
pub use sign_up_blocks::{AdminEmailDomainBlock, AdminIpBlock};
pub use status::{
    Context, Conversation, Notification, Poll, PollOption, RelationshipSeveranceEvent, ScheduledStatus,
    Status, StatusApplication, StatusEdit, StatusMention, StatusSource, StatusTag,
};

use chrono::{DateTime, Utc};

/// A time as clients expect it: UTC with milliseconds, `2026-10-14T19:03:26.588Z`.
pub fn format_time(time: DateTime<Utc>) -> String {
    // chrono's RFC 3339 writer, not a strftime pattern parsed on every call: a page of statuses
    // formats a few hundred of these.
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An id as clients expect it: a decimal string.
pub fn format_id(id: i64) -> String {
    id.to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn times_have_milliseconds_and_a_z_whatever_the_fraction() {
        let whole = Utc.with_ymd_and_hms(2026, 10, 14, 19, 3, 26).unwrap();
        assert_eq!(format_time(whole), "2026-10-14T19:03:26.000Z");
        let fine = whole + chrono::Duration::nanoseconds(588_999_999);
        assert_eq!(format_time(fine), "2026-10-14T19:03:26.588Z");
    }
}
