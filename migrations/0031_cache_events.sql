-- The change log that keeps in-process caches true (src/caches/). Triggers on the tables the
-- cached timelines, statuses, accounts, marks and filters depend on write rows in the changing
-- transaction; every server process reads the rows of transactions its last read's snapshot did
-- not see (so one that commits late is still seen) and forgets what they name.
-- Triggers rather than calls in the code: no write path, present or future, can forget one.
--
-- kinds: 'a' the statuses of author `target` changed (posted, boosted, deleted, re-addressed):
--            the home timelines of their followers;
--        'm' member `target`'s own rules changed (follows, mutes, blocks, domain blocks): their
--            home timeline;
--        's' how status `target` shows changed (counts, edits, media, mentions, tags);
--        'c' how account `target` shows changed (profile, counts);
--        'v' member `target`'s marks changed (favourites, boosts, bookmarks, pins, muted
--            conversations);
--        'f' member `target`'s filters changed;
--        '*' anything else a cache may hold (moderation): everything.
create table cache_events (
    xid xid8 not null default pg_current_xact_id(),
    kind "char" not null,
    target bigint not null default 0
);
create index cache_events_by_xid on cache_events (xid);

create function cache_event(kind "char", target bigint) returns void
language sql as $$
    insert into cache_events (kind, target) values (kind, target)
$$;

-- Statement triggers throughout, so that a bulk change (a domain's purge) writes a row per
-- author rather than per status, and a very large one a single '*'. A boost is also a mark of
-- its author on the original.
create function cache_events_of_changed_statuses() returns trigger
language plpgsql as $$
begin
    if tg_op = 'DELETE' and (select count(*) from changed_rows) > 1000 then
        perform cache_event('*', 0);
        return null;
    end if;
    insert into cache_events (kind, target) select distinct 'a', account_id from changed_rows;
    insert into cache_events (kind, target)
    select distinct 'v', account_id from changed_rows where reblog_of_id is not null;
    if tg_op = 'DELETE' then
        insert into cache_events (kind, target) select 's', id from changed_rows;
    end if;
    return null;
end
$$;
create trigger statuses_insert_cache_events after insert on statuses
    referencing new table as changed_rows for each statement
    execute function cache_events_of_changed_statuses();
create trigger statuses_delete_cache_events after delete on statuses
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
create trigger statuses_update_cache_events after update on statuses
    referencing old table as old_rows new table as new_rows for each statement
    execute function cache_events_of_updated_statuses();

-- Rows owned by a member (`account_id`) whose change is a change of kind `tg_argv[0]` for that
-- member; a block changes what both sides see.
create function cache_events_of_owners() returns trigger
language plpgsql as $$
begin
    insert into cache_events (kind, target)
    select distinct tg_argv[0]::"char", account_id from changed_rows;
    if tg_table_name = 'blocks' then
        insert into cache_events (kind, target)
        select distinct tg_argv[0]::"char", target_account_id from changed_rows;
    end if;
    return null;
end
$$;

-- Creates `table_name`'s statement triggers for `operations`, handing cache_events_of_owners
-- the changed rows (new ones, or old ones for deletes) and `kind`. Used below, then dropped.
create function add_owner_cache_events(table_name text, kind text, operations text[])
returns void
language plpgsql as $$
declare
    operation text;
begin
    foreach operation in array operations loop
        execute format(
            'create trigger %I after %s on %I referencing %s table as changed_rows '
            'for each statement execute function cache_events_of_owners(%L)',
            table_name || '_' || operation || '_cache_events', operation, table_name,
            case operation when 'delete' then 'old' else 'new' end, kind);
    end loop;
end
$$;
select add_owner_cache_events('follows', 'm', '{insert,update,delete}');
select add_owner_cache_events('mutes', 'm', '{insert,update,delete}');
select add_owner_cache_events('blocks', 'm', '{insert,update,delete}');
select add_owner_cache_events('account_domain_blocks', 'm', '{insert,update,delete}');
select add_owner_cache_events('account_stats', 'c', '{insert,update}');
select add_owner_cache_events('favourites', 'v', '{insert,delete}');
select add_owner_cache_events('bookmarks', 'v', '{insert,delete}');
select add_owner_cache_events('status_pins', 'v', '{insert,delete}');
select add_owner_cache_events('conversation_mutes', 'v', '{insert,delete}');
select add_owner_cache_events('filters', 'f', '{insert,update,delete}');
drop function add_owner_cache_events;

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
create trigger accounts_update_cache_events after update on accounts
    referencing old table as old_rows new table as new_rows for each statement
    execute function cache_events_of_updated_accounts();

create function cache_events_of_everything() returns trigger
language plpgsql as $$
begin
    perform cache_event('*', 0);
    return null;
end
$$;
create trigger accounts_delete_cache_events after delete on accounts
    for each statement execute function cache_events_of_everything();

-- Rows shown inside a status: its media, mentions and tags (a row moved from one status to
-- another changes both).
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
