-- Per-account counters (statuses, followers, following, last status), kept by triggers so that
-- every path that adds or removes a status or a follow keeps them right, and rendering an
-- account is one indexed read instead of counting rows.
create table account_stats (
    account_id bigint primary key references accounts (id) on delete cascade,
    statuses_count bigint not null default 0,
    followers_count bigint not null default 0,
    following_count bigint not null default 0,
    last_status_at timestamptz
);

insert into account_stats (account_id, statuses_count, followers_count, following_count, last_status_at)
select a.id,
       (select count(*) from statuses s where s.account_id = a.id),
       (select count(*) from follows f where f.target_account_id = a.id),
       (select count(*) from follows f where f.account_id = a.id),
       (select max(created_at) from statuses s where s.account_id = a.id)
from accounts a;

create function account_stats_on_status() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into account_stats as st (account_id, statuses_count, last_status_at)
        values (new.account_id, 1, new.created_at)
        on conflict (account_id) do update
            set statuses_count = st.statuses_count + 1,
                last_status_at = greatest(st.last_status_at, excluded.last_status_at);
        return new;
    else
        update account_stats set statuses_count = greatest(statuses_count - 1, 0)
        where account_id = old.account_id;
        return old;
    end if;
end
$$;

create trigger statuses_count_accounts after insert or delete on statuses
for each row execute function account_stats_on_status();

create function account_stats_on_follow() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into account_stats as st (account_id, following_count) values (new.account_id, 1)
        on conflict (account_id) do update set following_count = st.following_count + 1;
        insert into account_stats as st (account_id, followers_count) values (new.target_account_id, 1)
        on conflict (account_id) do update set followers_count = st.followers_count + 1;
        return new;
    else
        update account_stats set following_count = greatest(following_count - 1, 0) where account_id = old.account_id;
        update account_stats set followers_count = greatest(followers_count - 1, 0) where account_id = old.target_account_id;
        return old;
    end if;
end
$$;

create trigger follows_count_accounts after insert or delete on follows
for each row execute function account_stats_on_follow();
