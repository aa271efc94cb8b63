-- Finding a waiting job of one kind (a poll's pending counts sending, cancelling an end job)
-- without reading every queued inbox activity: jobs not being run, by kind.
create index jobs_waiting_by_kind on jobs (kind) where claimed_until is null;
