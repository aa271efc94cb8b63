-- Direct-message threads as each local participant sees them: the other participants, the
-- latest status, and whether it is unread.
create table account_conversations (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    conversation_id bigint not null,
    participant_ids bigint[] not null,
    last_status_id bigint references statuses (id) on delete set null,
    unread boolean not null default false,
    updated_at timestamptz not null default now(),
    unique (account_id, conversation_id)
);
create index account_conversations_recent on account_conversations (account_id, last_status_id desc);
