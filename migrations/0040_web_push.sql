-- Web Push (RFC 8030/8291/8292).

-- The instance's VAPID key pair (P-256), made once: push services tie a subscription to it.
create table vapid_key (
    singleton boolean primary key default true check (singleton),
    -- PKCS#8 document of the private key.
    private_key bytea not null,
    -- Uncompressed point (65 bytes), as clients receive it base64url-encoded.
    public_key bytea not null,
    created_at timestamptz not null default now()
);

-- One subscription per access token; revoking or deleting the token ends it.
create table push_subscriptions (
    id bigint primary key default next_id(),
    access_token_id bigint not null unique references oauth_access_tokens (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    -- The token itself, which Mastodon's payload carries (apps tell their accounts apart by it).
    -- Tokens are otherwise kept as digests only; this one lives as long as the subscription.
    access_token text not null,
    endpoint text not null,
    -- The user agent's public key (uncompressed P-256 point) and authentication secret.
    key_p256dh bytea not null,
    key_auth bytea not null,
    -- RFC 8291 `aes128gcm` when set, the `aesgcm` draft (Mastodon's first format) otherwise.
    standard boolean not null default false,
    -- The notification types pushed.
    alerts text[] not null default '{}',
    policy text not null default 'all' check (policy in ('all', 'followed', 'follower', 'none')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index push_subscriptions_account on push_subscriptions (account_id);

-- The trigger that logs each new notification (0036) now also brings the sender's request up to
-- date when the notification was filtered (0039), and makes every new notification that a
-- subscription asks for a push job, in the transaction that wrote it, whatever statement did:
-- the subscription's alerts and policy, and the member's mutes, decide here; filters (text
-- matching) when the job runs. A filtered notification (a request) is never pushed.
create or replace function cache_events_of_new_notifications() returns trigger
language plpgsql as $$
begin
    if exists (select 1 from new_rows) then
        insert into cache_events (kind, target) select 'n', id from new_rows;
        insert into notification_requests as r (account_id, from_account_id, last_status_id)
        select distinct on (account_id, from_account_id) account_id, from_account_id, status_id
        from new_rows where filtered
        order by account_id, from_account_id, id desc
        on conflict (account_id, from_account_id) do update
            set last_status_id = coalesce(excluded.last_status_id, r.last_status_id),
                updated_at = now();
        insert into jobs (kind, payload)
        select 'web_push',
               jsonb_build_object('kind', 'web_push', 'notification_id', n.id,
                                  'subscription_id', s.id)
        from new_rows n
        join push_subscriptions s on s.account_id = n.account_id
        where not n.filtered
          and n.type = any (s.alerts)
          and case s.policy
                  when 'all' then true
                  when 'followed' then exists (select 1 from follows f
                      where f.account_id = n.account_id and f.target_account_id = n.from_account_id)
                  when 'follower' then exists (select 1 from follows f
                      where f.account_id = n.from_account_id and f.target_account_id = n.account_id)
                  else false
              end
          and not exists (select 1 from mutes m
                          where m.account_id = n.account_id and m.target_account_id = n.from_account_id
                            and (m.expires_at is null or m.expires_at > now()));
        perform pg_notify('ferrodon_notifications', '');
    end if;
    return null;
end
$$;

-- Revoked tokens keep their row (for the record); their subscriptions go at once.
create function push_subscriptions_of_revoked_token() returns trigger
language plpgsql as $$
begin
    delete from push_subscriptions where access_token_id = new.id;
    return null;
end
$$;
create trigger oauth_access_tokens_revoked_push after update of revoked_at on oauth_access_tokens
    for each row when (new.revoked_at is not null and old.revoked_at is null)
    execute function push_subscriptions_of_revoked_token();
