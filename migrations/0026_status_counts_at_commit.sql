-- An author's statuses counter moves at commit instead of at insert. The counter row stays locked
-- until the transaction ends, and posting does most of its work (mentions, tags, notifications,
-- deliveries) after inserting the status, so posts by one account waited for each other for
-- all of it; now only for the commit.
drop trigger statuses_count_accounts on statuses;
create constraint trigger statuses_count_accounts after insert or delete on statuses
    deferrable initially deferred
    for each row execute function account_stats_on_status();
