-- Profile details of accounts, and members' preferences and activity.
alter table accounts
    add column fields jsonb not null default '[]',
    add column hide_collections boolean not null default false;

alter table users
    add column default_privacy text not null default 'public'
        check (default_privacy in ('public', 'unlisted', 'private', 'direct')),
    add column default_sensitive boolean not null default false,
    add column default_language text,
    add column expand_media text not null default 'default'
        check (expand_media in ('default', 'show_all', 'hide_all')),
    add column expand_spoilers boolean not null default false,
    -- Why a person asked to join, when sign-ups need approval.
    add column sign_up_reason text,
    -- Last use of a token or page, at most hourly: active-user counts.
    add column last_active_at timestamptz;
