-- Federation out: each outgoing activity stored once, one delivery row per distinct inbox, and
-- the health of the hosts we deliver to.

create table outgoing_activities (
    id bigint primary key default next_id(),
    -- The local account that signs it (its key is read at send time, never copied here).
    account_id bigint not null references accounts (id) on delete cascade,
    body jsonb not null,
    created_at timestamptz not null default now()
);

create table deliveries (
    id bigint primary key default next_id(),
    activity_id bigint not null references outgoing_activities (id) on delete cascade,
    inbox_url text not null,
    -- Lower-case host of `inbox_url`: per-host concurrency, health and `jobs retry --host`.
    host text not null,
    run_at timestamptz not null default now(),
    attempts integer not null default 0,
    claimed_until timestamptz,
    last_error text,
    -- Set when the delivery gave up (permanent error or out of retries); kept for stats.
    failed_at timestamptz,
    created_at timestamptz not null default now(),
    unique (activity_id, inbox_url)
);
create index deliveries_due on deliveries (run_at) where failed_at is null;
create index deliveries_host on deliveries (host) where failed_at is null;

-- Hosts that keep failing: unavailable after failures on N distinct days with no success.
create table delivery_hosts (
    host text primary key,
    failure_days date[] not null default '{}',
    last_success_at timestamptz,
    last_failure_at timestamptz,
    unavailable_since timestamptz
);
