-- When an upload last lost its status (the status deleted, or edited to drop it): unattached
-- uploads are pruned a day after this, or a day after upload if never attached, so a
-- delete-and-redraft has the day to reuse them.
alter table media_attachments add column unattached_since timestamptz;

create function media_attachment_detached() returns trigger
language plpgsql as $$
begin
    new.unattached_since := now();
    return new;
end
$$;

-- Fires for `on delete set null` from statuses too: referential actions are updates.
create trigger media_attachments_detached
    before update of status_id on media_attachments
    for each row when (old.status_id is not null and new.status_id is null)
    execute function media_attachment_detached();
