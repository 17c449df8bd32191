-- Every replay of a dead letter back to its original topic, and who asked for it.
create table dead_letter_replays (
    id             bigserial primary key,
    dead_letter_id bigint      not null references dead_letters (id),
    actor          text        not null,
    replayed_at    timestamptz not null default now()
);
create index dead_letter_replays_by_letter on dead_letter_replays (dead_letter_id);
