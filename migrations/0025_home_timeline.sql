-- The home timeline at speed. Its query used to be planned afresh on every request: PostgreSQL
-- keeps custom plans for a statement whose bounds read `($2 is null or id < $2)`, and the boost
-- branch, with every visibility function inlined, made planning cost more than running it.
-- Now the query lives in a PL/pgSQL function whose plan is made once per connection
-- (`force_generic_plan`; its bounds are written so the generic plan still walks the id index
-- from the right place), the boost check in a function of its own that the planner does not
-- open, and suspended authors are found through a small partial index once per query instead
-- of once per row.

create index accounts_suspended_ids on accounts (id) where domain_suspended or suspended_at is not null;

-- Whether `viewer` may see the boosted status `original` in their home timeline: they may see it,
-- neither blocks the other, they do not mute its author or its author's domain, and a limited
-- author's post reaches only that author's followers.
create function boost_shown_at_home(original bigint, viewer bigint) returns boolean
language plpgsql stable as $$
begin
    return exists (
        select 1 from statuses o
        where o.id = original and status_visible_to(o, viewer)
          and not blocked_between(o.account_id, viewer) and not muting(viewer, o.account_id)
          and not hidden_from_public(o.account_id, viewer)
          and not domain_blocked_by(viewer, (select a.domain from accounts a where a.id = o.account_id)));
end
$$;

-- The ids of `viewer`'s home timeline strictly between `lower_bound` and `upper_bound`, in no
-- order: their own statuses and those of the accounts they follow (not suspended, not muted),
-- direct statuses only when addressed to them, replies only to themselves, the author or someone
-- they follow, boosts unless turned off for that account and only of statuses they may see.
-- A plain SQL function, so the planner inlines it and walks the id index to the limit.
create function home_candidates(viewer bigint, upper_bound bigint, lower_bound bigint)
returns setof bigint
language sql stable as $$
    select s.id from statuses s
    where s.id < upper_bound and s.id > lower_bound
      and (s.account_id = viewer or s.account_id in (
             select f.target_account_id from follows f where f.account_id = viewer
               and not exists (select 1 from accounts a where a.id = f.target_account_id
                               and (a.domain_suspended or a.suspended_at is not null))))
      and (s.visibility <> 'direct' or s.account_id = viewer
           or exists (select 1 from mentions m where m.status_id = s.id and m.account_id = viewer))
      and s.account_id not in (select u.target_account_id from mutes u where u.account_id = viewer
                               and (u.expires_at is null or u.expires_at > now()))
      and (s.in_reply_to_account_id is null or s.in_reply_to_account_id in (viewer, s.account_id)
           or s.in_reply_to_account_id in (select f.target_account_id from follows f where f.account_id = viewer))
      and (s.reblog_of_id is null or (
           s.account_id not in (select f.target_account_id from follows f
                                where f.account_id = viewer and not f.show_reblogs)
           and boost_shown_at_home(s.reblog_of_id, viewer)))
$$;

-- A page of `viewer`'s home timeline between `min_id` and `max_id` (either may be null): newest
-- first, or oldest first when `oldest_first` (the page just above `min_id`). Two spellings of
-- one query, each walking the id index its own way; a computed ORDER BY would sort every match.
create function home_timeline(viewer bigint, max_id bigint, min_id bigint, lim bigint, oldest_first boolean)
returns setof bigint
language plpgsql stable
set plan_cache_mode = force_generic_plan as $$
declare
    upper_bound constant bigint := coalesce(max_id, 9223372036854775807);
    -- Remote statuses dated before 1970 have negative ids: no bound means the smallest bigint.
    lower_bound constant bigint := coalesce(min_id, -9223372036854775808);
begin
    if oldest_first then
        return query select c.id from home_candidates(viewer, upper_bound, lower_bound) as c(id)
                     order by c.id asc limit lim;
    else
        return query select c.id from home_candidates(viewer, upper_bound, lower_bound) as c(id)
                     order by c.id desc limit lim;
    end if;
end
$$;
