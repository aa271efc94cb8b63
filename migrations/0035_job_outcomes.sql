-- Jobs that give up: a job that cannot succeed (or ran out of attempts) is kept with its reason
-- for `ferrodon jobs stats` and never claimed again, instead of waiting in the far future.
alter table jobs add column given_up_at timestamptz;

-- Jobs given up before this column existed were put off by i32::MAX seconds.
update jobs set given_up_at = now() where run_at > now() + interval '10 years';

-- Only live jobs are claimed: the index the claim walks leaves the given-up ones out.
drop index jobs_due;
create index jobs_due on jobs (run_at) where given_up_at is null;
