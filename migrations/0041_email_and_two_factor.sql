-- Mail (address confirmation, password resets, staff notices) and two-factor sign-in.

-- When the member proved the address is theirs; members from before mail existed count as
-- confirmed. `unconfirmed_email` is an address change waiting for its confirmation.
alter table users
    add column confirmed_at timestamptz,
    add column unconfirmed_email text,
    -- TOTP (RFC 6238): the shared secret (base32), set at setup and kept once enabled.
    add column otp_secret text,
    add column otp_enabled_at timestamptz,
    -- The last time step whose code was accepted: a code works once.
    add column otp_last_step bigint not null default 0,
    -- Staff preferences: which notices come by mail.
    add column email_on_pending_sign_up boolean not null default true,
    add column email_on_report boolean not null default true;

update users set confirmed_at = created_at;

-- Single-use secrets mailed to members, kept as SHA-256 digests.
create table user_tokens (
    digest text primary key,
    user_id bigint not null references users (id) on delete cascade,
    purpose text not null check (purpose in ('confirm_email', 'reset_password')),
    -- For a confirmation: the address it confirms (the member's, or the one they change to).
    email text,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz
);

create index user_tokens_user_id on user_tokens (user_id, purpose);

-- Ten single-use recovery codes per member with two-factor sign-in, as digests.
create table otp_recovery_codes (
    user_id bigint not null references users (id) on delete cascade,
    digest text not null,
    used_at timestamptz,
    primary key (user_id, digest)
);

-- A sign-in whose password was right and whose second factor is awaited: the browser holds
-- the secret in a cookie for a few minutes.
create table sign_in_challenges (
    digest text primary key,
    user_id bigint not null references users (id) on delete cascade,
    return_to text not null,
    expires_at timestamptz not null
);

create index sign_in_challenges_user_id on sign_in_challenges (user_id);

-- When a member last moved their account away (moves are allowed once every 30 days, as Mastodon).
alter table accounts add column moved_at timestamptz;
