-- Federation policy: the operator's rules per domain (Limit, Suspend, flags), the allowlist,
-- block-list subscriptions and the entries they publish, members' own domain blocks, and the
-- record of relationships a suspension severed. Every domain here is normalized (lower case,
-- punycode, no trailing dot or port) before it is stored, so equality is plain text equality.

create table domain_blocks (
    id bigint primary key default next_id(),
    domain text not null unique,
    -- Mastodon's words: noop (flags only), silence (Limit), suspend.
    severity text not null check (severity in ('noop', 'silence', 'suspend')),
    reject_media boolean not null default false,
    reject_reports boolean not null default false,
    private_comment text,
    public_comment text,
    obfuscate boolean not null default false,
    -- manual (API, CLI, admin page), import (a block list file) or subscription (derived from
    -- subscribed lists, recomputed on each refresh; manual and imported rules are never touched).
    source text not null default 'manual' check (source in ('manual', 'import', 'subscription')),
    -- The subscribed lists' URLs that name this domain (source = subscription).
    source_urls text[] not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- Allowed domains (federation.mode = "allowlist").
create table domain_allows (
    id bigint primary key default next_id(),
    domain text not null unique,
    created_at timestamptz not null default now()
);

-- Block lists the instance follows.
create table blocklist_subscriptions (
    id bigint primary key default next_id(),
    url text not null unique,
    -- When lists disagree on a domain's severity or flags, the higher priority wins.
    priority integer not null default 0,
    etag text,
    last_modified text,
    refreshed_at timestamptz,
    last_error text,
    created_at timestamptz not null default now()
);

-- What each subscribed list said at its last successful refresh.
create table blocklist_entries (
    subscription_id bigint not null references blocklist_subscriptions (id) on delete cascade,
    domain text not null,
    severity text not null check (severity in ('noop', 'silence', 'suspend')),
    reject_media boolean not null default false,
    reject_reports boolean not null default false,
    public_comment text,
    obfuscate boolean not null default false,
    primary key (subscription_id, domain)
);
create index blocklist_entries_domain on blocklist_entries (domain);

-- A member's own domain blocks (cover subdomains too).
create table account_domain_blocks (
    account_id bigint not null references accounts (id) on delete cascade,
    domain text not null,
    created_at timestamptz not null default now(),
    primary key (account_id, domain)
);

-- A suspension (or a member's domain block) that ended follow relationships.
create table relationship_severance_events (
    id bigint primary key default next_id(),
    type text not null check (type in ('domain_block', 'user_domain_block', 'account_suspension')),
    target_name text not null,
    purged boolean not null default false,
    created_at timestamptz not null default now()
);

-- Which member lost which relationship in an event (kept so members can see what was lost).
create table severed_relationships (
    event_id bigint not null references relationship_severance_events (id) on delete cascade,
    -- The local member.
    account_id bigint not null references accounts (id) on delete cascade,
    -- The remote account (kept: suspension keeps the account rows).
    remote_account_id bigint not null references accounts (id) on delete cascade,
    -- following: the member followed the remote account; follower: the other way round.
    direction text not null check (direction in ('following', 'follower')),
    primary key (event_id, account_id, remote_account_id, direction)
);
create index severed_relationships_account on severed_relationships (account_id, event_id);

alter table notifications
    add column relationship_severance_event_id bigint
        references relationship_severance_events (id) on delete cascade;


-- Moderation of accounts. Account level (the admin API's silence/suspend/sensitive) and domain
-- level (mirrored from the domain rules so that timeline and search queries can filter in SQL;
-- the in-memory policy stays the gate for everything that talks to a remote host) are kept apart,
-- so lifting a domain rule never lifts an account's own sanction and the other way round.
alter table accounts
    add column silenced_at timestamptz,
    add column suspended_at timestamptz,
    add column sensitized_at timestamptz,
    add column domain_limited boolean not null default false,
    add column domain_suspended boolean not null default false;
create index accounts_limited on accounts (id) where domain_limited or silenced_at is not null;
