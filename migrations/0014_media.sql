-- Media attachments uploaded by local members. The files live on disk under
-- `data_dir/media`, named from the id and a random key (`<id>-<key>.<ext>`, `<id>-<key>-small.<ext>`):
-- a request path never becomes a file path, and the key keeps the files of private posts from
-- being found by counting ids. A row is unattached (`status_id` null) until a status takes
-- it; deleting the status detaches it again (Mastodon's delete-and-redraft reuses the media).
create table media_attachments (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    status_id bigint references statuses (id) on delete set null,
    -- Order among the status's attachments (the order of `media_ids`).
    position int not null default 0,
    -- What we stored after re-encoding (never the client's claim): both files share it.
    content_type text not null,
    file_key text not null,
    file_size bigint not null,
    width int not null,
    height int not null,
    small_width int not null,
    small_height int not null,
    blurhash text,
    description text not null default '',
    focus_x double precision not null default 0,
    focus_y double precision not null default 0,
    created_at timestamptz not null default now()
);

create index media_attachments_status_id on media_attachments (status_id) where status_id is not null;
create index media_attachments_account_id on media_attachments (account_id);
