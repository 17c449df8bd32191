-- Tables every service has: the transactional outbox, the inbox, and dead letters.

create table outbox (
    id            bigserial primary key,
    topic         text        not null,
    key           bytea,
    payload       bytea       not null,
    headers       jsonb       not null default '{}',
    trace_context jsonb,
    created_at    timestamptz not null default now(),
    published_at  timestamptz,
    attempts      integer     not null default 0,
    last_error    text
);
-- The relay reads only what is pending, so its cost follows the backlog, not the history.
create index outbox_pending on outbox (id) where published_at is null;

create table inbox (
    event_id    uuid        primary key,
    topic       text        not null,
    received_at timestamptz not null default now()
);

create table dead_letters (
    id               bigserial primary key,
    source_topic     text        not null,
    source_partition integer     not null,
    source_offset    bigint      not null,
    event_id         uuid,
    event_type       text,
    error_kind       text        not null,
    error_message    text        not null,
    key              bytea,
    payload          bytea,
    headers          jsonb       not null default '{}',
    dead_lettered_at timestamptz not null default now(),
    replay_count     integer     not null default 0,
    last_replayed_at timestamptz,
    -- A redelivered poison record is dead-lettered once.
    unique (source_topic, source_partition, source_offset)
);
create index dead_letters_by_kind on dead_letters (error_kind, dead_lettered_at);
