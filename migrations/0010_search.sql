-- Search (`/api/v2/search`, `/api/v1/accounts/search`) in PostgreSQL alone: prefix indexes for
-- handles and hashtags, and full-text (`tsvector` + GIN) indexes for account names and status
-- text. The `simple` configuration neither stems nor drops stop words, so it serves every
-- language alike.

-- Handle prefixes, as mention autocompletion types them: `lower(username) like 'ali%'`.
-- `text_pattern_ops` makes the index serve `like` whatever the database's collation, and
-- unlike a trigram index it serves one- and two-letter prefixes too.
create index accounts_username_prefix on accounts (lower(username) text_pattern_ops);

-- The words an account is found by: display name, username, domain.
create function account_search_vector(display_name text, username text, domain text)
returns tsvector
language sql immutable parallel safe as $$
    select to_tsvector('simple', display_name || ' ' || username || ' ' || coalesce(domain, ''))
$$;
create index accounts_search on accounts using gin (account_search_vector(display_name, username, domain));

-- A query matching every word of `terms` as a prefix (`'ali':* & 'lid':*`), the words found
-- as `account_search_vector` finds them; null when `terms` has none. Lexemes are quoted, so
-- nothing a client types is read as query syntax.
create function prefix_tsquery(terms text) returns tsquery
language sql immutable parallel safe as $$
    select string_agg(
               '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''':*', ' & '
           )::tsquery
    from unnest(to_tsvector('simple', terms))
$$;

-- Hashtag prefixes: `lower(name) like 'rus%'`.
create index tags_name_prefix on tags (lower(name) text_pattern_ops);

-- The words of a status: its content warning and its text. Local statuses keep the text as
-- typed; remote ones only sanitized HTML, whose tags are dropped and commonest entities
-- decoded before the words are taken.
create function status_search_vector(local boolean, text text, content text, spoiler_text text)
returns tsvector
language sql immutable parallel safe as $$
    select to_tsvector('simple', spoiler_text || ' ' || case
        when local then text
        else replace(replace(replace(replace(replace(replace(
                 regexp_replace(content, '<[^>]*>', ' ', 'g'),
                 '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&nbsp;', ' '), '&amp;', '&')
    end)
$$;
-- Boosts carry no text of their own and are never search results.
create index statuses_search on statuses using gin (status_search_vector(local, text, content, spoiler_text))
    where reblog_of_id is null;
