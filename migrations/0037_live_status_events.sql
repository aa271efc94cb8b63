-- Streaming learns of statuses from the change log (0031), as the caches do: a row per status
-- posted ('p', target: the status; boosts too), edited ('e') or deleted ('d' when it was public
-- or unlisted, 'D' when private or direct; `detail`: its author), read by every process after
-- commit. No NOTIFY here: PostgreSQL serializes the commits of notifying transactions, and
-- posting must not queue behind that; the streaming reader reads the log on a short tick while
-- anyone is connected.
alter table cache_events add column detail bigint;

create or replace function cache_events_of_changed_statuses() returns trigger
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
        insert into cache_events (kind, target, detail)
        select case when visibility in ('public', 'unlisted') then 'd' else 'D' end, id, account_id
        from changed_rows;
    else
        insert into cache_events (kind, target) select 'p', id from changed_rows;
    end if;
    return null;
end
$$;

create or replace function cache_events_of_updated_statuses() returns trigger
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
    insert into cache_events (kind, target)
    select distinct 't', st.tag_id from new_rows n join old_rows o on o.id = n.id
    join status_tags st on st.status_id = n.id
    where n.visibility is distinct from o.visibility or n.account_id is distinct from o.account_id;
    -- An edit, for the clients watching (status.update).
    insert into cache_events (kind, target)
    select 'e', n.id from new_rows n join old_rows o on o.id = n.id
    where n.edited_at is distinct from o.edited_at;
    return null;
end
$$;
