-- Administrations from treatment.doses: matched, unscheduled or parked, never dropped.

create table administrations (
    id                bigserial primary key,
    source            text             not null,
    administration_id text             not null,
    event_id          uuid             not null,
    patient_id        text             not null,
    claimed_plan_id   uuid,
    administered_at   timestamptz      not null,
    product           text             not null,
    dose_mcg          double precision not null,
    route             text             not null,
    status            text             not null check (status in ('completed', 'not-done')),
    status_reason     text,
    outcome           text             not null
                      check (outcome in ('matched', 'unscheduled', 'parked', 'rejected')),
    outcome_reason    text,
    dose_id           uuid references scheduled_doses (dose_id),
    timing            text check (timing in ('on_time', 'late')),
    received_at       timestamptz      not null,
    updated_at        timestamptz      not null,
    -- The clinic's own id is the idempotency key: a resent administration with a new
    -- event_id is still the same administration.
    unique (source, administration_id),
    check ((outcome = 'matched') = (dose_id is not null and timing is not null))
);
-- A dose holds at most one administration (a not-done record included).
create unique index administrations_one_per_dose on administrations (dose_id)
    where dose_id is not null;
create index administrations_by_patient on administrations (patient_id, administered_at);

-- A dose that arrived before its plan: kept, with the event, until the plan arrives.
create table parked_administrations (
    administration_pk bigint primary key references administrations (id),
    patient_id        text        not null,
    claimed_plan_id   uuid,
    reason            text        not null,
    event             jsonb       not null,
    parked_at         timestamptz not null,
    reconciled_at     timestamptz,
    reconciled_as     text check (reconciled_as in ('matched', 'unscheduled', 'rejected'))
);
create index parked_waiting_by_patient on parked_administrations (patient_id)
    where reconciled_at is null;

-- How a matched administration differs from its scheduled dose (product, dose, route).
create table discrepancies (
    administration_pk bigint not null references administrations (id),
    dose_id           uuid   not null references scheduled_doses (dose_id),
    field             text   not null check (field in ('product', 'dose_mcg', 'route')),
    scheduled         text   not null,
    administered      text   not null,
    primary key (administration_pk, field)
);
create index discrepancies_by_dose on discrepancies (dose_id);
