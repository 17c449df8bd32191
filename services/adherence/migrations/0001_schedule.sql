-- Adherence's own copy of each plan's schedule, built from treatment.plans.

create table plans (
    plan_id                  uuid primary key,
    patient_id               text        not null,
    indication               text        not null,
    neurological_involvement boolean     not null,
    lifelong                 boolean     not null,
    start_date               date        not null,
    timezone                 text        not null,
    status                   text        not null default 'active'
                             check (status in ('active', 'cancelled')),
    created_at               timestamptz not null default now(),
    updated_at               timestamptz not null default now()
);
create index plans_by_patient on plans (patient_id);

create table scheduled_doses (
    dose_id       uuid primary key,
    plan_id       uuid        not null references plans (plan_id),
    patient_id    text        not null,
    due_on        date        not null,
    dose_mcg      double precision not null,
    product       text        not null,
    route         text        not null,
    phase         text        not null,
    -- An adjustment supersedes future doses instead of deleting them: history is kept.
    superseded_at timestamptz,
    created_at    timestamptz not null default now()
);
create index scheduled_doses_by_plan on scheduled_doses (plan_id, due_on);
