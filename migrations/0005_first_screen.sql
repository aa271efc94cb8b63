-- What Mastodon apps read on their first screen: markers, lists, followed tags, follow
-- requests, filters, announcements and custom emojis.

-- Where a member stopped reading each timeline.
create table markers (
    user_id bigint not null references users (id) on delete cascade,
    timeline text not null check (timeline in ('home', 'notifications')),
    last_read_id bigint not null,
    version integer not null default 0,
    updated_at timestamptz not null default now(),
    primary key (user_id, timeline)
);

create table lists (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    title text not null,
    replies_policy text not null default 'list' check (replies_policy in ('followed', 'list', 'none')),
    exclusive boolean not null default false,
    created_at timestamptz not null default now()
);
create index lists_account_id on lists (account_id);

-- Hashtags, unique case-insensitively.
create table tags (
    id bigint primary key default next_id(),
    name text not null,
    created_at timestamptz not null default now()
);
create unique index tags_name_key on tags (lower(name));

create table tag_follows (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    tag_id bigint not null references tags (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (account_id, tag_id)
);

-- A follow waiting for a locked account's approval.
create table follow_requests (
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
create index follow_requests_target on follow_requests (target_account_id, id);

-- Filters (v2): a title, where it applies, what it does, and its keywords.
create table filters (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    title text not null,
    context text[] not null,
    action text not null default 'warn' check (action in ('warn', 'hide', 'blur')),
    expires_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index filters_account_id on filters (account_id);

create table filter_keywords (
    id bigint primary key default next_id(),
    filter_id bigint not null references filters (id) on delete cascade,
    keyword text not null,
    whole_word boolean not null default true,
    created_at timestamptz not null default now()
);
create index filter_keywords_filter_id on filter_keywords (filter_id);

-- Announcements from the staff, and which members dismissed them.
create table announcements (
    id bigint primary key default next_id(),
    text text not null,
    published boolean not null default false,
    all_day boolean not null default false,
    starts_at timestamptz,
    ends_at timestamptz,
    published_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table announcement_dismissals (
    announcement_id bigint not null references announcements (id) on delete cascade,
    user_id bigint not null references users (id) on delete cascade,
    primary key (announcement_id, user_id)
);

-- Custom emojis: local ones (domain null) and those seen on other servers.
create table custom_emojis (
    id bigint primary key default next_id(),
    shortcode text not null,
    domain text,
    image_url text not null,
    static_url text not null,
    visible_in_picker boolean not null default true,
    disabled boolean not null default false,
    category text,
    created_at timestamptz not null default now()
);
create unique index custom_emojis_shortcode_key on custom_emojis (shortcode, coalesce(domain, ''));
