-- Statuses a member filters one by one (Mastodon's v2 filter statuses): a filter matches its
-- keywords and, through this table, these statuses (and their boosts).
create table filter_statuses (
    id bigint primary key default next_id(),
    filter_id bigint not null references filters (id) on delete cascade,
    status_id bigint not null references statuses (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (filter_id, status_id)
);
create index filter_statuses_status_id on filter_statuses (status_id);
