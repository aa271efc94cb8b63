-- A local member's avatar and header, uploaded through update_credentials: the stored file's
-- name under the data directory's media/profiles (`<account id>-<random key>.<extension>`).
-- Remote accounts keep `avatar_remote_url` and `header_remote_url` instead; null means the
-- instance's default picture.
alter table accounts
    add column avatar_file text,
    add column header_file text;
