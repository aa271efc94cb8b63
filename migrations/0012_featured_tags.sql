-- Hashtags a member features on their profile.
create table featured_tags (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    tag_id bigint not null references tags (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (account_id, tag_id)
);
