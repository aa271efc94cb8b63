-- Accounts, local and remote. A local account has `domain` null, a user row and a private key;
-- its URIs derive from the instance's domain, so they are not stored. A remote account keeps
-- the actor URI and endpoints it was fetched with.
create table accounts (
    id bigint primary key default next_id(),
    username text not null,
    domain text,
    display_name text not null default '',
    note text not null default '',
    uri text,
    url text,
    inbox_url text,
    shared_inbox_url text,
    public_key_pem text not null,
    private_key_pem text,
    locked boolean not null default false,
    bot boolean not null default false,
    discoverable boolean,
    indexable boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint accounts_local_has_private_key check (domain is not null or private_key_pem is not null),
    constraint accounts_remote_has_uri check (domain is null or uri is not null)
);

-- Usernames are unique case-insensitively: per instance for local ones, per domain for remote.
create unique index accounts_local_username_key on accounts (lower(username)) where domain is null;
create unique index accounts_remote_username_key on accounts (lower(username), domain) where domain is not null;
create unique index accounts_uri_key on accounts (uri) where uri is not null;

-- The sign-in side of a local account.
create table users (
    id bigint primary key default next_id(),
    account_id bigint not null unique references accounts (id) on delete cascade,
    email text not null,
    password_hash text not null,
    role text not null default 'user' check (role in ('user', 'moderator', 'admin')),
    approved boolean not null default true,
    locale text not null default 'en',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create unique index users_email_key on users (lower(email));
