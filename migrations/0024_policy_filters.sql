-- Policy in SQL: who is limited or suspended (by a domain rule or an account sanction), and
-- whether an account's posts are hidden from someone's public views. Timelines, search and
-- notifications call these; the in-memory policy stays the gate for everything remote.

create function account_limited(account bigint) returns boolean
language sql stable as $$
    select coalesce((select a.domain_limited or a.silenced_at is not null
                     from accounts a where a.id = account), false)
$$;

create function account_suspended(account bigint) returns boolean
language sql stable as $$
    select coalesce((select a.domain_suspended or a.suspended_at is not null
                     from accounts a where a.id = account), false)
$$;

-- Hidden from `viewer` (null: anonymous) in public timelines, hashtags, search and
-- notifications: a suspended author always; a limited one unless the viewer follows them (or is them).
create function hidden_from_public(author bigint, viewer bigint) returns boolean
language sql stable as $$
    select account_suspended(author)
        or (account_limited(author)
            and (viewer is null
                 or (viewer <> author
                     and not exists (select 1 from follows f
                                     where f.account_id = viewer and f.target_account_id = author))))
$$;
