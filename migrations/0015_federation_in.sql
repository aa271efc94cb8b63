-- Federation in: what we keep about remote actors and their statuses, the instance actor's keys,
-- the record of activities already processed, and reports (a remote Flag becomes one).

alter table accounts
    -- The key remote servers sign with (`<actor>#main-key` for Mastodon, anything for others).
    add column key_id text,
    -- Person, Service, Application, Group, Organization: bots are Service/Application.
    add column actor_type text not null default 'Person',
    add column outbox_url text,
    add column followers_url text,
    add column following_url text,
    add column featured_url text,
    add column featured_tags_url text,
    -- Remote avatars and headers are shown from where they live (no local copy yet).
    add column avatar_remote_url text,
    add column header_remote_url text,
    add column also_known_as text[] not null default '{}',
    add column moved_to_account_id bigint references accounts (id) on delete set null,
    -- Custom emoji a remote profile uses: [{"shortcode": ..., "url": ...}].
    add column emojis jsonb not null default '[]',
    -- Counts a remote server publishes about the actor (we do not see all of their statuses).
    add column remote_followers_count integer,
    add column remote_following_count integer,
    add column remote_statuses_count integer,
    -- When a remote actor was last fetched; stale profiles are refreshed.
    add column fetched_at timestamptz,
    -- The actor was deleted at its origin (Delete(Person) or 410): kept to reserve the name.
    add column gone_at timestamptz;

create unique index accounts_key_id_key on accounts (key_id) where key_id is not null;
create index accounts_domain on accounts (lower(domain)) where domain is not null;

alter table statuses
    -- Custom emoji a remote status uses: [{"shortcode": ..., "url": ...}].
    add column emojis jsonb not null default '[]',
    -- The replies collection a remote status announces (for thread fetching).
    add column replies_url text,
    -- The title of an Article/Page/Event, shown above its summary and link.
    add column title text;

-- Remote attachments are shown from their origin: `remote_url` set, `file_key` empty, no file.
alter table media_attachments
    add column remote_url text;

-- Remote polls publish their own counts; local polls count `poll_votes`.
alter table polls
    add column remote_votes integer[],
    add column remote_voters_count integer,
    add column uri text;

-- The instance actor (an Application at /actor) signs our fetches; one row.
create table instance_actor (
    singleton boolean primary key default true check (singleton),
    public_key_pem text not null,
    private_key_pem text not null,
    created_at timestamptz not null default now()
);

-- Activities already processed, by id: a redelivered activity is done once.
create table processed_activities (
    uri text primary key,
    processed_at timestamptz not null default now()
);
create index processed_activities_age on processed_activities (processed_at);

-- Reports: a member's (local) or a remote server's Flag. Moderation handles them.
create table reports (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    status_ids bigint[] not null default '{}',
    comment text not null default '',
    category text not null default 'other' check (category in ('spam', 'legal', 'violation', 'other')),
    rule_ids integer[] not null default '{}',
    forwarded boolean not null default false,
    uri text unique,
    assigned_account_id bigint references accounts (id) on delete set null,
    action_taken_at timestamptz,
    action_taken_by_account_id bigint references accounts (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index reports_target on reports (target_account_id, id desc);
create index reports_open on reports (id desc) where action_taken_at is null;
