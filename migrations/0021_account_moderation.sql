-- Account moderation and reports: a member's login disabled by the staff, the instance actor as
-- the sender of outgoing activities (the Flags that forward reports), and the report an
-- `admin.report` notification is about.

-- Disabled: the staff froze the login (sign-in and tokens refused); the account stays visible.
alter table users add column disabled boolean not null default false;

-- Null: the activity is sent by the instance actor (`/actor`, signed with its own key), as
-- Mastodon forwards reports, so the reporting member stays anonymous.
alter table outgoing_activities alter column account_id drop not null;

alter table notifications
    add column report_id bigint references reports (id) on delete cascade;

create index reports_account on reports (account_id, id desc);
