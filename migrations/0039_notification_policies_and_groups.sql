-- Mastodon 4.3's notification policies, requests and groups.
--
-- A member's policy says, for five kinds of sender, whether their notifications are accepted,
-- filtered (kept apart, as a request the member may accept or dismiss) or dropped. No row means
-- Mastodon's defaults: private mentions from strangers and limited accounts are filtered, the
-- rest accepted.
create table notification_policies (
    account_id bigint primary key references accounts (id) on delete cascade,
    for_not_following text not null default 'accept'
        check (for_not_following in ('accept', 'filter', 'drop')),
    for_not_followers text not null default 'accept'
        check (for_not_followers in ('accept', 'filter', 'drop')),
    for_new_accounts text not null default 'accept'
        check (for_new_accounts in ('accept', 'filter', 'drop')),
    for_private_mentions text not null default 'filter'
        check (for_private_mentions in ('accept', 'filter', 'drop')),
    for_limited_accounts text not null default 'filter'
        check (for_limited_accounts in ('accept', 'filter', 'drop')),
    updated_at timestamptz not null default now()
);

-- Senders whose request the member accepted: their notifications are accepted from then on.
create table notification_permissions (
    account_id bigint not null references accounts (id) on delete cascade,
    from_account_id bigint not null references accounts (id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (account_id, from_account_id)
);

-- One request per sender whose notifications were filtered; the notifications themselves stay in
-- `notifications` with `filtered` set (the request's count is theirs).
create table notification_requests (
    id bigint primary key default next_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    from_account_id bigint not null references accounts (id) on delete cascade,
    last_status_id bigint references statuses (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (account_id, from_account_id)
);
create index notification_requests_account on notification_requests (account_id, id desc);

alter table notifications
    add column filtered boolean not null default false,
    -- Favourites and boosts of one status, follows and sign-ups share a key within a span of
    -- hours (see notification_group_key); other notifications have none ("ungrouped-<id>").
    add column group_key text;
create index notifications_filtered on notifications (account_id, from_account_id) where filtered;
create index notifications_group_key on notifications (account_id, group_key, id desc)
    where group_key is not null;
create index notifications_group_lookup on notifications (account_id, type, status_id, id desc)
    where group_key is not null;

-- The group key of a new notification, as Mastodon makes it: "<type>-<status id>-<hour>", where
-- the hour (since the epoch) is that of the group's first notification as long as the group
-- spans less than 12 hours, so a steady trickle of favourites does not make one group forever.
create function notification_group_key() returns trigger
language plpgsql as $$
declare
    previous text;
    previous_hour bigint;
    hour bigint := floor(extract(epoch from now()) / 3600);
begin
    if new.type not in ('favourite', 'reblog', 'follow', 'admin.sign_up') then
        return new;
    end if;
    if new.status_id is null then
        select n.group_key into previous from notifications n
        where n.account_id = new.account_id and n.type = new.type and n.status_id is null
          and n.group_key is not null
        order by n.id desc limit 1;
    else
        select n.group_key into previous from notifications n
        where n.account_id = new.account_id and n.type = new.type and n.status_id = new.status_id
          and n.group_key is not null
        order by n.id desc limit 1;
    end if;
    previous_hour := substring(previous from '-(\d+)$')::bigint;
    if previous_hour is not null and hour < previous_hour + 12 then
        hour := previous_hour;
    end if;
    new.group_key := new.type || '-' || coalesce(new.status_id::text, '') || '-' || hour;
    return new;
end
$$;
create trigger notifications_group_key before insert on notifications
    for each row execute function notification_group_key();

-- What `recipient`'s policy does with a notification of `kind` from `sender` (about `status`):
-- 'accept', 'filter' or 'drop', the strictest rule that applies. Never filtered: notifications
-- about the member's own things that they asked for or need (a poll's end, an edit of a status
-- they interacted with, staff notices, severed relationships, follow requests: a request is how
-- a member decides whether to follow back), notifications from this server's staff, and senders
-- the member accepted before.
create function notification_outcome(recipient bigint, sender bigint, kind text, status bigint)
returns text
language sql stable as $$
    with policy as (
        select coalesce(p.for_not_following, 'accept') as for_not_following,
               coalesce(p.for_not_followers, 'accept') as for_not_followers,
               coalesce(p.for_new_accounts, 'accept') as for_new_accounts,
               coalesce(p.for_private_mentions, 'filter') as for_private_mentions,
               coalesce(p.for_limited_accounts, 'filter') as for_limited_accounts
        from (select 1) one
        left join notification_policies p on p.account_id = recipient
    ),
    facts as (
        select
            exists (select 1 from follows f
                    where f.account_id = recipient and f.target_account_id = sender) as following,
            -- A follower of less than three days counts as none, as in Mastodon.
            exists (select 1 from follows f
                    where f.account_id = sender and f.target_account_id = recipient
                      and f.created_at < now() - interval '3 days') as followed_by,
            exists (select 1 from accounts a
                    where a.id = sender and a.created_at > now() - interval '30 days') as new_account,
            exists (select 1 from accounts a
                    where a.id = sender and (a.domain_limited or a.silenced_at is not null)) as limited,
            -- A private mention, unless it answers a status of the recipient's that mentioned
            -- the sender (a conversation the member started).
            exists (select 1 from statuses s
                    where s.id = status and s.visibility = 'direct'
                      and not exists (select 1 from statuses parent
                                      join mentions m on m.status_id = parent.id
                                      where parent.id = s.in_reply_to_id
                                        and parent.account_id = recipient
                                        and m.account_id = sender)) as private_mention
    ),
    exempt as (
        select kind not in ('mention', 'status', 'reblog', 'follow', 'favourite')
            or exists (select 1 from notification_permissions np
                       where np.account_id = recipient and np.from_account_id = sender)
            or exists (select 1 from users u
                       where u.account_id = sender and u.role in ('admin', 'moderator'))
            as yes
    ),
    rules as (
        select case when not facts.following then policy.for_not_following end as outcome
        from policy, facts
        union all
        select case when not facts.followed_by then policy.for_not_followers end from policy, facts
        union all
        select case when facts.new_account then policy.for_new_accounts end from policy, facts
        union all
        select case when facts.private_mention and not facts.following
                    then policy.for_private_mentions end from policy, facts
        union all
        select case when facts.limited and not facts.following
                    then policy.for_limited_accounts end from policy, facts
    )
    select case
        when (select yes from exempt) then 'accept'
        when exists (select 1 from rules where outcome = 'drop') then 'drop'
        when exists (select 1 from rules where outcome = 'filter') then 'filter'
        else 'accept'
    end
$$;

-- The requests themselves are made by the trigger that logs each new notification (0040).
