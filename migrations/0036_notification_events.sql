-- One source for every new notification, whatever statement wrote it (a member's action, the
-- inbox, a poll's end, a report, a severed relationship, or a path not written yet): a statement
-- trigger adds an 'n' row per notification to the change log (target: the notification's id),
-- which every process reads after commit, once (src/caches/). It also wakes the processes that
-- wait for notifications (streaming, push) with a NOTIFY that carries nothing: the ids are in the
-- log, so a process that was not listening catches up on its next read.
create function cache_events_of_new_notifications() returns trigger
language plpgsql as $$
begin
    if exists (select 1 from new_rows) then
        insert into cache_events (kind, target) select 'n', id from new_rows;
        perform pg_notify('ferrodon_notifications', '');
    end if;
    return null;
end
$$;
create trigger notifications_insert_cache_events after insert on notifications
    referencing new table as new_rows for each statement
    execute function cache_events_of_new_notifications();
