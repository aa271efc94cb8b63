-- Undo, Accept and Reject name the activity they answer by id: look those ids up by index.
create index follows_uri on follows (uri) where uri is not null;
create index follow_requests_uri on follow_requests (uri) where uri is not null;
create index blocks_uri on blocks (uri) where uri is not null;
create index favourites_uri on favourites (uri) where uri is not null;
