-- Announcements come alive: members react to them with emoji, and clients hear of new,
-- changed and withdrawn announcements and of reactions through streaming, by the change log
-- (0031, 0037): 'A' an announcement published or changed while published, 'X' one withdrawn
-- (unpublished or deleted), 'R' a reaction added or removed (`note`: the emoji's name).
create table announcement_reactions (
    announcement_id bigint not null references announcements (id) on delete cascade,
    user_id bigint not null references users (id) on delete cascade,
    -- A Unicode emoji, or the shortcode of one of this server's custom emoji.
    name text not null check (length(name) between 1 and 100),
    created_at timestamptz not null default now(),
    primary key (announcement_id, user_id, name)
);

alter table cache_events add column note text;
