-- Followed hashtags in the home timeline, as in Mastodon: a public original status carrying a
-- tag the member follows comes into their home, whoever wrote it, unless its author is
-- suspended, blocked either way, muted, of a domain the member blocks, or limited and not
-- followed by the member (the hashtag timeline's own rules). Boosts and unlisted, private and
-- direct statuses do not come in through a tag.

-- hidden_from_public (0024) again, as one lookup of the author's row: the planner did not inline
-- the old spelling (three nested functions), so every call ran a function of its own, at about
-- 60 microseconds a row in the public and hashtag timelines; this spelling is inlined, at about
-- 8. The rule is unchanged: a suspended author always; a limited one unless the viewer follows
-- them or is them; no such account, never.
create or replace function hidden_from_public(author bigint, viewer bigint) returns boolean
language sql stable as $$
    select exists (
        select 1 from accounts a
        where a.id = author
          and (a.domain_suspended or a.suspended_at is not null
               or ((a.domain_limited or a.silenced_at is not null)
                   and (viewer is null
                        or (viewer <> author
                            and not exists (select 1 from follows f
                                            where f.account_id = viewer and f.target_account_id = author))))))
$$;

-- The statuses carrying tag `tag` that come into `viewer`'s home through it, strictly between
-- the bounds, in no order: public originals, by the hashtag timeline's rules, with the viewer's
-- blocks and mutes read once per query rather than looked up per row. A plain SQL function
-- returning the tag too, so that it is inlined and a page ordered by (tag_id, status_id) walks
-- status_tags' primary key.
create function home_tag_candidates(viewer bigint, tag bigint, upper_bound bigint, lower_bound bigint)
returns table (tag_id bigint, id bigint)
language sql stable as $$
    select st.tag_id, st.status_id from status_tags st join statuses s on s.id = st.status_id
    where st.tag_id = tag and st.status_id < upper_bound and st.status_id > lower_bound
      and s.visibility = 'public' and s.reblog_of_id is null
      and not hidden_from_public(s.account_id, viewer)
      and s.account_id not in (select b.target_account_id from blocks b where b.account_id = viewer)
      and s.account_id not in (select b.account_id from blocks b where b.target_account_id = viewer)
      and s.account_id not in (select u.target_account_id from mutes u where u.account_id = viewer
                               and (u.expires_at is null or u.expires_at > now()))
      and not domain_blocked_by(viewer, (select a.domain from accounts a where a.id = s.account_id))
$$;

-- As in 0025, with a third and fourth spelling for members who follow tags: the newest (or
-- oldest) `lim` of the follow-based candidates, united with the newest (or oldest) `lim` of each
-- followed tag (a walk of status_tags' primary key per tag), then the page of their union.
-- Members who follow no tag run the query of 0025 unchanged.
create or replace function home_timeline(viewer bigint, max_id bigint, min_id bigint, lim bigint, oldest_first boolean)
returns setof bigint
language plpgsql stable
set plan_cache_mode = force_generic_plan as $$
declare
    upper_bound constant bigint := coalesce(max_id, 9223372036854775807);
    lower_bound constant bigint := coalesce(min_id, -9223372036854775808);
begin
    if not exists (select 1 from tag_follows f where f.account_id = viewer) then
        if oldest_first then
            return query select c.id from home_candidates(viewer, upper_bound, lower_bound) as c(id)
                         order by c.id asc limit lim;
        else
            return query select c.id from home_candidates(viewer, upper_bound, lower_bound) as c(id)
                         order by c.id desc limit lim;
        end if;
    elsif oldest_first then
        return query select u.id from (
            (select c.id from home_candidates(viewer, upper_bound, lower_bound) as c(id)
             order by c.id asc limit lim)
            union
            (select t.id from tag_follows f cross join lateral (
                 select c.id from home_tag_candidates(viewer, f.tag_id, upper_bound, lower_bound) as c
                 order by c.tag_id asc, c.id asc limit lim) as t
             where f.account_id = viewer)) as u
            order by u.id asc limit lim;
    else
        return query select u.id from (
            (select c.id from home_candidates(viewer, upper_bound, lower_bound) as c(id)
             order by c.id desc limit lim)
            union
            (select t.id from tag_follows f cross join lateral (
                 select c.id from home_tag_candidates(viewer, f.tag_id, upper_bound, lower_bound) as c
                 order by c.tag_id desc, c.id desc limit lim) as t
             where f.account_id = viewer)) as u
            order by u.id desc limit lim;
    end if;
end
$$;

-- The change log (0031) learns of tags: 't' names a tag whose statuses changed (a status took
-- it or lost it, or a status carrying it was re-addressed), so the cached home timelines of its
-- followers are forgotten; following or unfollowing a tag is a change of the member's own rules.
create function cache_events_of_status_tags() returns trigger
language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        perform cache_event('t', old.tag_id);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        perform cache_event('t', new.tag_id);
    end if;
    return null;
end
$$;
create trigger status_tags_tag_cache_events after insert or update or delete on status_tags
    for each row execute function cache_events_of_status_tags();

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
    return null;
end
$$;

create trigger tag_follows_insert_cache_events after insert on tag_follows
    referencing new table as changed_rows for each statement
    execute function cache_events_of_owners('m');
create trigger tag_follows_delete_cache_events after delete on tag_follows
    referencing old table as changed_rows for each statement
    execute function cache_events_of_owners('m');
