-- Who suspended an account: 'local' (our staff, or our member deleting their account) or
-- 'remote' (its own server, which says so with `"suspended": true` in the actor document).
-- A remote suspension is lifted when the actor document stops saying so; a local one only by
-- our staff. Null while the account is not suspended.
alter table accounts
    add column suspension_origin text check (suspension_origin in ('local', 'remote'));
update accounts set suspension_origin = 'local' where suspended_at is not null;
