-- More of the change log (0031): a member's marks on statuses (favourites, boosts, bookmarks,
-- pins, muted conversations) and their filters, so that pages of statuses need not ask for
-- them each time.
--
-- kinds: 'v' the marks of member `target` changed;
--        'f' the filters of member `target` changed.

create function cache_events_of_marks() returns trigger
language plpgsql as $$
begin
    insert into cache_events (kind, target) select distinct 'v', account_id from changed_rows;
    return null;
end
$$;

create trigger favourites_inserted_cache_events after insert on favourites
    referencing new table as changed_rows for each statement
    execute function cache_events_of_marks();
create trigger favourites_deleted_cache_events after delete on favourites
    referencing old table as changed_rows for each statement
    execute function cache_events_of_marks();
create trigger bookmarks_inserted_cache_events after insert on bookmarks
    referencing new table as changed_rows for each statement
    execute function cache_events_of_marks();
create trigger bookmarks_deleted_cache_events after delete on bookmarks
    referencing old table as changed_rows for each statement
    execute function cache_events_of_marks();
create trigger status_pins_inserted_cache_events after insert on status_pins
    referencing new table as changed_rows for each statement
    execute function cache_events_of_marks();
create trigger status_pins_deleted_cache_events after delete on status_pins
    referencing old table as changed_rows for each statement
    execute function cache_events_of_marks();
create trigger conversation_mutes_inserted_cache_events after insert on conversation_mutes
    referencing new table as changed_rows for each statement
    execute function cache_events_of_marks();
create trigger conversation_mutes_deleted_cache_events after delete on conversation_mutes
    referencing old table as changed_rows for each statement
    execute function cache_events_of_marks();

-- A boost is a mark of its author on the original.
create function cache_events_of_boosts() returns trigger
language plpgsql as $$
begin
    insert into cache_events (kind, target)
    select distinct 'v', account_id from changed_rows where reblog_of_id is not null;
    return null;
end
$$;
create trigger statuses_boosted_cache_events after insert on statuses
    referencing new table as changed_rows for each statement
    execute function cache_events_of_boosts();
create trigger statuses_unboosted_cache_events after delete on statuses
    referencing old table as changed_rows for each statement
    execute function cache_events_of_boosts();

create function cache_events_of_filters() returns trigger
language plpgsql as $$
begin
    insert into cache_events (kind, target) select distinct 'f', account_id from changed_rows;
    return null;
end
$$;
create trigger filters_inserted_cache_events after insert on filters
    referencing new table as changed_rows for each statement
    execute function cache_events_of_filters();
create trigger filters_updated_cache_events after update on filters
    referencing new table as changed_rows for each statement
    execute function cache_events_of_filters();
create trigger filters_deleted_cache_events after delete on filters
    referencing old table as changed_rows for each statement
    execute function cache_events_of_filters();
