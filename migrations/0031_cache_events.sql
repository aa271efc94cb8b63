-- The change log that keeps in-process caches true (src/caches/). Triggers on the tables the
-- home timeline and rendered statuses depend on write one row per change, in the changing
-- transaction; every server process reads the rows its last read may have missed (by
-- transaction id, so a transaction that commits late is still seen) and forgets what they name.
-- Triggers rather than calls in the code: no write path, present or future, can forget one.
--
-- kinds: 'a' the statuses of author `target` changed (posted, boosted, deleted, re-addressed):
--            the home timelines of their followers;
--        'm' member `target`'s own rules changed (follows, mutes, blocks, domain blocks): their
--            home timeline;
--        's' how status `target` shows changed (counts, edits, media, mentions, tags);
--        'c' how account `target` shows changed (profile, counts);
--        '*' anything else a cache may hold (moderation): everything.
create table cache_events (
    seq bigint generated always as identity primary key,
    xid xid8 not null default pg_current_xact_id(),
    kind "char" not null,
    target bigint not null default 0
);
create index cache_events_by_xid on cache_events (xid);

create function cache_event(kind "char", target bigint) returns void
language sql as $$
    insert into cache_events (kind, target) values (kind, target)
$$;

-- Statement triggers, so that a bulk change (a domain's purge) writes one row per author
-- rather than one per status, and a very large one a single '*'.
create function cache_events_of_changed_statuses() returns trigger
language plpgsql as $$
begin
    if tg_op = 'DELETE' and (select count(*) from changed_rows) > 1000 then
        perform cache_event('*', 0);
        return null;
    end if;
    insert into cache_events (kind, target) select distinct 'a', account_id from changed_rows;
    if tg_op = 'DELETE' then
        insert into cache_events (kind, target) select 's', id from changed_rows;
    end if;
    return null;
end
$$;
create trigger statuses_inserted_cache_events after insert on statuses
    referencing new table as changed_rows for each statement
    execute function cache_events_of_changed_statuses();
create trigger statuses_deleted_cache_events after delete on statuses
    referencing old table as changed_rows for each statement
    execute function cache_events_of_changed_statuses();

create function cache_events_of_updated_statuses() returns trigger
language plpgsql as $$
begin
    insert into cache_events (kind, target) select 's', id from new_rows;
    -- What decides whose home shows a status (an edit may change whom a direct status mentions).
    insert into cache_events (kind, target)
    select distinct 'a', n.account_id from new_rows n join old_rows o on o.id = n.id
    where n.account_id is distinct from o.account_id
       or n.visibility is distinct from o.visibility
       or n.in_reply_to_account_id is distinct from o.in_reply_to_account_id
       or n.reblog_of_id is distinct from o.reblog_of_id
       or n.edited_at is distinct from o.edited_at;
    return null;
end
$$;
create trigger statuses_updated_cache_events after update on statuses
    referencing old table as old_rows new table as new_rows for each statement
    execute function cache_events_of_updated_statuses();

-- Follows, mutes and member domain blocks change their owner's home; blocks both sides'.
create function cache_events_of_member_rules() returns trigger
language plpgsql as $$
begin
    insert into cache_events (kind, target) select distinct 'm', account_id from changed_rows;
    if tg_table_name = 'blocks' then
        insert into cache_events (kind, target)
        select distinct 'm', target_account_id from changed_rows;
    end if;
    return null;
end
$$;
create trigger follows_inserted_cache_events after insert on follows
    referencing new table as changed_rows for each statement
    execute function cache_events_of_member_rules();
create trigger follows_updated_cache_events after update on follows
    referencing new table as changed_rows for each statement
    execute function cache_events_of_member_rules();
create trigger follows_deleted_cache_events after delete on follows
    referencing old table as changed_rows for each statement
    execute function cache_events_of_member_rules();
create trigger mutes_inserted_cache_events after insert on mutes
    referencing new table as changed_rows for each statement
    execute function cache_events_of_member_rules();
create trigger mutes_updated_cache_events after update on mutes
    referencing new table as changed_rows for each statement
    execute function cache_events_of_member_rules();
create trigger mutes_deleted_cache_events after delete on mutes
    referencing old table as changed_rows for each statement
    execute function cache_events_of_member_rules();
create trigger blocks_inserted_cache_events after insert on blocks
    referencing new table as changed_rows for each statement
    execute function cache_events_of_member_rules();
create trigger blocks_updated_cache_events after update on blocks
    referencing new table as changed_rows for each statement
    execute function cache_events_of_member_rules();
create trigger blocks_deleted_cache_events after delete on blocks
    referencing old table as changed_rows for each statement
    execute function cache_events_of_member_rules();
create trigger account_domain_blocks_inserted_cache_events after insert on account_domain_blocks
    referencing new table as changed_rows for each statement
    execute function cache_events_of_member_rules();
create trigger account_domain_blocks_updated_cache_events after update on account_domain_blocks
    referencing new table as changed_rows for each statement
    execute function cache_events_of_member_rules();
create trigger account_domain_blocks_deleted_cache_events after delete on account_domain_blocks
    referencing old table as changed_rows for each statement
    execute function cache_events_of_member_rules();

-- An account's profile and counts show in every status it wrote; its moderation state decides
-- whose timelines show it and how its media show: everything.
create function cache_events_of_updated_accounts() returns trigger
language plpgsql as $$
begin
    if exists (select 1 from new_rows n join old_rows o on o.id = n.id
               where n.suspended_at is distinct from o.suspended_at
                  or n.domain_suspended is distinct from o.domain_suspended
                  or n.silenced_at is distinct from o.silenced_at
                  or n.domain_limited is distinct from o.domain_limited
                  or n.sensitized_at is distinct from o.sensitized_at) then
        perform cache_event('*', 0);
    else
        insert into cache_events (kind, target) select 'c', id from new_rows;
    end if;
    return null;
end
$$;
create trigger accounts_updated_cache_events after update on accounts
    referencing old table as old_rows new table as new_rows for each statement
    execute function cache_events_of_updated_accounts();

create function cache_events_of_everything() returns trigger
language plpgsql as $$
begin
    perform cache_event('*', 0);
    return null;
end
$$;
create trigger accounts_deleted_cache_events after delete on accounts
    for each statement execute function cache_events_of_everything();

create function cache_events_of_account_stats() returns trigger
language plpgsql as $$
begin
    insert into cache_events (kind, target) select 'c', account_id from changed_rows;
    return null;
end
$$;
create trigger account_stats_inserted_cache_events after insert on account_stats
    referencing new table as changed_rows for each statement
    execute function cache_events_of_account_stats();
create trigger account_stats_updated_cache_events after update on account_stats
    referencing new table as changed_rows for each statement
    execute function cache_events_of_account_stats();

-- Rows shown inside a status: its media, mentions and tags.
create function cache_events_of_status_parts() returns trigger
language plpgsql as $$
declare
    changed record := coalesce(new, old);
begin
    if changed.status_id is not null then
        perform cache_event('s', changed.status_id);
    end if;
    if tg_op = 'UPDATE' and old.status_id is not null and old.status_id is distinct from new.status_id then
        perform cache_event('s', old.status_id);
    end if;
    return null;
end
$$;
create trigger media_attachments_cache_events after update or delete on media_attachments
    for each row execute function cache_events_of_status_parts();
create trigger mentions_cache_events after insert or update or delete on mentions
    for each row execute function cache_events_of_status_parts();
create trigger status_tags_cache_events after insert or update or delete on status_tags
    for each row execute function cache_events_of_status_parts();
