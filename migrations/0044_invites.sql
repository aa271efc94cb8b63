-- Invite links: made by members (or staff), each with a code, a number of uses and an expiry.
create table invites (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    code text not null unique,
    -- None: unlimited.
    max_uses integer,
    uses integer not null default 0,
    expires_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz not null default now()
);

create index invites_account_id on invites (account_id, id desc);

alter table users add column invite_id bigint references invites (id) on delete set null;
