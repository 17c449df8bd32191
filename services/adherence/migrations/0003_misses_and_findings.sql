-- Declared misses (each emitted once as DoseMissed) and raised flags (each once).

create table misses (
    dose_id            uuid primary key references scheduled_doses (dose_id),
    plan_id            uuid        not null references plans (plan_id),
    patient_id         text        not null,
    declared_at        timestamptz not null,
    consecutive_missed integer     not null check (consecutive_missed >= 1),
    not_done           boolean     not null,
    window_closed_at   timestamptz not null,
    -- A completed administration after the miss was declared resolves it (DoseMissResolved);
    -- the row stays, so the history shows both the miss and its resolution.
    resolved_at        timestamptz,
    resolved_by        bigint references administrations (id),
    resolved_timing    text check (resolved_timing in ('on_time', 'late'))
);
create index misses_by_plan on misses (plan_id);

create table findings (
    id           bigserial primary key,
    -- Same finding, same key: a condition that persists is flagged once.
    dedupe_key   text        not null unique,
    flag_id      uuid        not null unique,
    plan_id      uuid        not null references plans (plan_id),
    patient_id   text        not null,
    reason       text        not null,
    severity     text        not null,
    rule_id      text        not null,
    rule_version integer     not null,
    raised_at    timestamptz not null
);
create index findings_by_plan on findings (plan_id);
