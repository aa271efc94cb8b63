-- Polls on statuses and their votes; scheduled statuses; and the durable job queue that ends
-- polls and publishes scheduled statuses on time.

create table polls (
    id bigint primary key default next_id(),
    status_id bigint not null unique references statuses (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    options text[] not null,
    multiple boolean not null default false,
    hide_totals boolean not null default false,
    expires_at timestamptz,
    created_at timestamptz not null default now()
);

-- One row per chosen option: a multiple-choice voter has several.
create table poll_votes (
    id bigint primary key default next_id(),
    poll_id bigint not null references polls (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    choice integer not null,
    created_at timestamptz not null default now(),
    unique (poll_id, account_id, choice)
);
create index poll_votes_account on poll_votes (account_id, poll_id);

-- A status waiting for its time; `params` is the draft as the client sent it.
create table scheduled_statuses (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    application_id bigint references oauth_applications (id) on delete set null,
    scheduled_at timestamptz not null,
    params jsonb not null,
    created_at timestamptz not null default now()
);
create index scheduled_statuses_account on scheduled_statuses (account_id, id desc);

-- Durable jobs: claimed with FOR UPDATE SKIP LOCKED and a lease, retried with backoff.
create table jobs (
    id bigint primary key default next_id(),
    kind text not null,
    payload jsonb not null,
    run_at timestamptz not null default now(),
    attempts integer not null default 0,
    claimed_until timestamptz,
    last_error text,
    created_at timestamptz not null default now()
);
create index jobs_due on jobs (run_at);
