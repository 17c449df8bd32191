-- Adherence's own copy of each plan and its schedule, built from treatment.plans.

create table plans (
    plan_id                  uuid primary key,
    patient_id               text        not null,
    protocol_id              text        not null,
    protocol_version         integer     not null,
    indication               text        not null,
    neurological_involvement boolean     not null,
    lifelong                 boolean     not null,
    start_date               date        not null,
    timezone                 text        not null,
    phases                   jsonb       not null default '[]',
    cancelled_at             timestamptz,
    -- MAINTENANCE_GAP_EXCEEDED needs only time to fire, so the sweeper looks up plans whose
    -- deadline has come: the first local day the flag fires (gap_due_on) and its first
    -- instant in UTC (gap_due_at). Null: no maintenance yet, cancelled, or already flagged.
    gap_due_on               date,
    gap_due_at               timestamptz,
    created_at               timestamptz not null default now(),
    updated_at               timestamptz not null default now()
);
create index plans_by_patient on plans (patient_id);
create index plans_gap_due on plans (gap_due_at) where gap_due_at is not null;

create table scheduled_doses (
    dose_id    uuid primary key,
    plan_id    uuid             not null references plans (plan_id),
    patient_id text             not null,
    due_on     date             not null,
    dose_mcg   double precision not null,
    product    text             not null,
    route      text             not null,
    phase      text             not null,
    -- Adjustments and cancellations never delete a dose: they mark it, so history is kept.
    lifecycle  text             not null default 'active'
               check (lifecycle in ('active', 'superseded', 'cancelled')),
    changed_by uuid,
    changed_at timestamptz,
    -- When the on-time window closes (end of due_on + grace days, clinic time), from the
    -- configured windows; refreshed when the windows change.
    closes_at  timestamptz      not null,
    -- Active with nothing recorded (no administration, no declared miss): only these can
    -- still be missed. Kept by the store from the domain's TrackedDose.is_open.
    open       boolean          not null default true,
    created_at timestamptz      not null default now()
);
create index scheduled_doses_by_plan on scheduled_doses (plan_id, due_on);
-- The sweep reads only open doses whose window has closed: its cost follows the doses that
-- are due now, not every dose ever scheduled.
create index scheduled_doses_open_by_close on scheduled_doses (closes_at) where open;
-- The worklist reads active doses around one date.
create index scheduled_doses_active_by_due on scheduled_doses (due_on)
    where lifecycle = 'active';
