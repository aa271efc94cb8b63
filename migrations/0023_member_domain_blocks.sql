-- Members' own domain blocks: an id to page by (Mastodon pages /api/v1/domain_blocks by id), and
-- domain_blocked_by(viewer, domain), the one SQL test of whether a member blocked a domain (their
-- rule covers subdomains: a block on evil.test hides sub.evil.test too). Timelines, notifications
-- and relationships call it.

alter table account_domain_blocks add column id bigint not null default next_id();
create unique index account_domain_blocks_id on account_domain_blocks (account_id, id);

-- Whether `viewer` blocked `account_domain` or one of its parent domains. False for local
-- accounts (a null domain) and anonymous viewers (a null viewer). Domains are stored normalized
-- (lower case, punycode), as accounts.domain is.
create function domain_blocked_by(viewer bigint, account_domain text) returns boolean
language sql stable parallel safe as $$
    select account_domain is not null and viewer is not null and exists (
        select 1 from account_domain_blocks b
        where b.account_id = viewer
          and (b.domain = account_domain
               or right(account_domain, length(b.domain) + 1) = '.' || b.domain))
$$;
