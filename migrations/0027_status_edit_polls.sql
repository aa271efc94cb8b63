-- A version of a status keeps the poll's options as they were then (shown by /history).
alter table status_edits add column poll_options text[];
