-- Sign-ups refused (or held for approval) by the address they come from or the mail provider
-- they use, as Mastodon's email-domain blocks and IP blocks.
create table email_domain_blocks (
    id bigint primary key default next_id(),
    -- Lower-case, without a trailing dot; covers its subdomains.
    domain text not null unique,
    created_at timestamptz not null default now()
);

create table ip_blocks (
    id bigint primary key default next_id(),
    -- An address or a block in CIDR notation, as entered (checked by the server).
    ip text not null,
    severity text not null check (severity in ('sign_up_requires_approval', 'sign_up_block', 'no_access')),
    comment text not null default '',
    expires_at timestamptz,
    created_at timestamptz not null default now()
);
