-- What the staff did to a member's account and told them (Mastodon's account warnings): the
-- `moderation_warning` notification points at one.
create table account_warnings (
    id bigint primary key default next_id(),
    -- The staff member who acted, and the member acted on.
    account_id bigint references accounts (id) on delete set null,
    target_account_id bigint not null references accounts (id) on delete cascade,
    action text not null check (action in ('none', 'disable', 'mark_statuses_as_sensitive',
        'delete_statuses', 'sensitive', 'silence', 'suspend')),
    text text not null default '',
    status_ids bigint[] not null default '{}',
    created_at timestamptz not null default now()
);

create index account_warnings_target on account_warnings (target_account_id, id desc);

alter table notifications
    add column account_warning_id bigint references account_warnings (id) on delete cascade;

alter table notifications drop constraint notifications_type_check;
alter table notifications add constraint notifications_type_check check (type in ('mention',
    'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update', 'admin.sign_up',
    'admin.report', 'severed_relationships', 'moderation_warning'));
