-- Mastodon-style 64-bit ids: milliseconds since the epoch shifted left 16 bits, with the low 16
-- bits from one shared sequence, so ids sort by time and stay unique across processes.
-- `at` lets a remote status take its id from its publication time.
create sequence id_sequence as bigint cycle;

create function next_id(at timestamptz default clock_timestamp()) returns bigint
language sql volatile parallel safe as $$
    select (floor(extract(epoch from at) * 1000)::bigint << 16) | (nextval('id_sequence') & 65535)
$$;
