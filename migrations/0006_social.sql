-- The social core: statuses and what hangs off them (mentions, tags, edits), relationships
-- (follows, blocks, mutes, notes), interactions (favourites, bookmarks, pins, conversation mutes)
-- and notifications.

-- A status, local or remote. A reblog is a status whose `reblog_of_id` is set. Local statuses
-- keep the text as typed (`text`) and its rendering (`content`); remote ones keep sanitized HTML
-- in `content` and their own `uri`/`url`.
create table statuses (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    local boolean not null,
    uri text,
    url text,
    text text not null default '',
    content text not null default '',
    spoiler_text text not null default '',
    sensitive boolean not null default false,
    visibility text not null check (visibility in ('public', 'unlisted', 'private', 'direct')),
    language text,
    in_reply_to_id bigint references statuses (id) on delete set null,
    in_reply_to_account_id bigint references accounts (id) on delete set null,
    reblog_of_id bigint references statuses (id) on delete cascade,
    conversation_id bigint not null,
    application_id bigint references oauth_applications (id) on delete set null,
    replies_count integer not null default 0,
    reblogs_count integer not null default 0,
    favourites_count integer not null default 0,
    created_at timestamptz not null default now(),
    edited_at timestamptz,
    constraint statuses_remote_has_uri check (local or uri is not null)
);
create index statuses_account_id on statuses (account_id, id desc);
create index statuses_in_reply_to_id on statuses (in_reply_to_id) where in_reply_to_id is not null;
create index statuses_conversation_id on statuses (conversation_id);
-- Public timelines read newest first among public originals and boosts.
create index statuses_public on statuses (id desc) where visibility = 'public';
create unique index statuses_uri_key on statuses (uri) where uri is not null;
-- One boost per account per status.
create unique index statuses_reblog_key on statuses (account_id, reblog_of_id) where reblog_of_id is not null;

-- Accounts a status mentions (and so addresses, for private and direct statuses).
create table mentions (
    status_id bigint not null references statuses (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    primary key (status_id, account_id)
);
create index mentions_account_id on mentions (account_id, status_id desc);

create table status_tags (
    status_id bigint not null references statuses (id) on delete cascade,
    tag_id bigint not null references tags (id) on delete cascade,
    primary key (tag_id, status_id)
);
create index status_tags_status_id on status_tags (status_id);

-- Earlier versions of edited statuses, oldest first.
create table status_edits (
    id bigint primary key default next_id(),
    status_id bigint not null references statuses (id) on delete cascade,
    text text not null,
    content text not null,
    spoiler_text text not null,
    sensitive boolean not null,
    created_at timestamptz not null default now()
);
create index status_edits_status_id on status_edits (status_id, id);

create table follows (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    show_reblogs boolean not null default true,
    notify boolean not null default false,
    languages text[],
    uri text,
    created_at timestamptz not null default now(),
    unique (account_id, target_account_id)
);
create index follows_target on follows (target_account_id, id desc);

create table blocks (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    uri text,
    created_at timestamptz not null default now(),
    unique (account_id, target_account_id)
);
create index blocks_target on blocks (target_account_id);

create table mutes (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    hide_notifications boolean not null default true,
    expires_at timestamptz,
    created_at timestamptz not null default now(),
    unique (account_id, target_account_id)
);

-- Private notes members keep on other accounts.
create table account_notes (
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    comment text not null,
    primary key (account_id, target_account_id)
);

create table favourites (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    status_id bigint not null references statuses (id) on delete cascade,
    uri text,
    created_at timestamptz not null default now(),
    unique (account_id, status_id)
);
create index favourites_status_id on favourites (status_id);

create table bookmarks (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    status_id bigint not null references statuses (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (account_id, status_id)
);

create table status_pins (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    status_id bigint not null references statuses (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (account_id, status_id)
);

create table conversation_mutes (
    account_id bigint not null references accounts (id) on delete cascade,
    conversation_id bigint not null,
    primary key (account_id, conversation_id)
);

-- Endorsed accounts shown on a profile.
create table endorsements (
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (account_id, target_account_id)
);

-- Notifications for local accounts.
create table notifications (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    from_account_id bigint not null references accounts (id) on delete cascade,
    type text not null check (type in ('mention', 'status', 'reblog', 'follow', 'follow_request',
        'favourite', 'poll', 'update', 'admin.sign_up', 'admin.report', 'severed_relationships')),
    status_id bigint references statuses (id) on delete cascade,
    created_at timestamptz not null default now()
);
create index notifications_account_id on notifications (account_id, id desc);

-- Accounts on a member's list (only accounts they follow).
create table list_accounts (
    list_id bigint not null references lists (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    primary key (list_id, account_id)
);
create index list_accounts_account_id on list_accounts (account_id);
