-- The visibility rules every status query shares, as inlinable SQL functions.

-- Whether `viewer` (null: anonymous) may see status `s`: public and unlisted statuses are for
-- everyone; private ones for the author's followers and the mentioned; direct ones for the
-- mentioned; every status for its author.
create function status_visible_to(s statuses, viewer bigint) returns boolean
language sql stable as $$
    select coalesce(
        s.visibility in ('public', 'unlisted')
        or s.account_id = viewer
        or (s.visibility = 'private' and exists (
            select 1 from follows f where f.account_id = viewer and f.target_account_id = s.account_id))
        or exists (select 1 from mentions m where m.status_id = s.id and m.account_id = viewer),
        false)
$$;

-- Whether either account blocks the other (a block hides each from the other).
create function blocked_between(a bigint, b bigint) returns boolean
language sql stable as $$
    select coalesce(exists (
        select 1 from blocks
        where (account_id = a and target_account_id = b) or (account_id = b and target_account_id = a)), false)
$$;

-- Whether `viewer` mutes `target` (an expired mute no longer counts).
create function muting(viewer bigint, target bigint) returns boolean
language sql stable as $$
    select coalesce(exists (
        select 1 from mutes
        where account_id = viewer and target_account_id = target
          and (expires_at is null or expires_at > now())), false)
$$;

-- Idempotency keys: one status per key and author for a day.
create table idempotency_keys (
    account_id bigint not null references accounts (id) on delete cascade,
    key text not null,
    status_id bigint not null references statuses (id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (account_id, key)
);
