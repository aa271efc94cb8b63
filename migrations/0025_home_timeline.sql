-- The home timeline at speed. Its query was planned afresh on every request (PostgreSQL keeps
-- custom plans for it) and the boost branch, with every visibility function inlined, made that
-- planning cost more than running it. The boost check now lives in a PL/pgSQL function, opaque
-- to the planner and with its own plans cached per connection; suspended authors are found
-- through a small partial index, once per query instead of once per row.

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
