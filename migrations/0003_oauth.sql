-- OAuth 2: applications, authorization codes and access tokens, plus the browser sessions of
-- the sign-in pages. Client secrets, codes, tokens and session ids are stored only as SHA-256
-- digests (hex), so a copy of the database cannot be used to sign in.
create table oauth_applications (
    id bigint primary key default next_id(),
    name text not null,
    website text,
    redirect_uris text[] not null,
    scopes text not null,
    client_id text not null unique,
    client_secret_digest text not null,
    created_at timestamptz not null default now()
);

-- Single-use and short-lived: `used_at` is set when the code is exchanged.
create table oauth_authorization_codes (
    code_digest text primary key,
    application_id bigint not null references oauth_applications (id) on delete cascade,
    user_id bigint not null references users (id) on delete cascade,
    redirect_uri text not null,
    scopes text not null,
    code_challenge text,
    expires_at timestamptz not null,
    used_at timestamptz,
    created_at timestamptz not null default now()
);

-- `user_id` is null for app-only tokens (client_credentials).
create table oauth_access_tokens (
    id bigint primary key default next_id(),
    token_digest text not null unique,
    refresh_token_digest text unique,
    application_id bigint not null references oauth_applications (id) on delete cascade,
    user_id bigint references users (id) on delete cascade,
    scopes text not null,
    created_at timestamptz not null default now(),
    revoked_at timestamptz,
    last_used_at timestamptz
);
create index oauth_access_tokens_user_id on oauth_access_tokens (user_id);

-- A signed-in browser (sign-in, consent and sign-up pages).
create table web_sessions (
    id_digest text primary key,
    user_id bigint not null references users (id) on delete cascade,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
);
create index web_sessions_user_id on web_sessions (user_id);
