-- A member's imports of Mastodon's CSV files (following, blocks, mutes, domain blocks,
-- bookmarks, lists), processed row by row by the job queue, with a report of each failure.
create table imports (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    kind text not null check (kind in ('following', 'blocking', 'muting', 'domain_blocking', 'bookmarks', 'lists')),
    -- Overwrite: what the file does not name is undone once every row is processed.
    overwrite boolean not null default false,
    file_name text not null default '',
    total_rows integer not null,
    processed_rows integer not null default 0,
    failed_rows integer not null default 0,
    created_at timestamptz not null default now(),
    finished_at timestamptz
);

create index imports_account_id on imports (account_id, id desc);

create table import_rows (
    import_id bigint not null references imports (id) on delete cascade,
    -- The line in the file (1 for the first line, header included).
    line integer not null,
    -- The row as read: `handle` or `domain` or `url`, and the kind's other fields.
    data jsonb not null,
    done boolean not null default false,
    -- What it led to (an account or status id), and why not, when it failed.
    target_id bigint,
    error text,
    primary key (import_id, line)
);
