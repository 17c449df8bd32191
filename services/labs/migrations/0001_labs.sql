-- The labs service's state: what it keeps of plans and doses, every lab report, its findings.

-- One row per patient: the row the handler locks (select ... for update) so two instances
-- never evaluate the same patient at once, e.g. while a consumer-group rebalance hands the
-- partition over.
create table patients (
    patient_id   text        primary key,
    created_at   timestamptz not null default now(),
    evaluated_at timestamptz
);

-- What labs keeps of each PlanCreated: the treatment context (TreatmentContext JSON: start,
-- timezone, phases, indication, severity, neurological involvement), not the schedule.
create table plans (
    plan_id     uuid        primary key,
    patient_id  text        not null references patients,
    start_date  date        not null,
    context     jsonb       not null,
    -- Arrival order: the tie-break between two active plans starting the same day.
    seq         bigserial   not null,
    received_at timestamptz not null default now()
);
create index plans_by_patient on plans (patient_id);

-- Each PlanAdjusted's phases from its effective date (doses and lab checks are not kept),
-- applied in arrival order on top of the plan's context. Kept even when the plan is not known
-- yet, so an adjustment that overtakes its plan is applied once the plan arrives.
create table plan_adjustments (
    adjustment_id uuid        primary key,
    plan_id       uuid        not null,
    patient_id    text        not null references patients,
    effective_from date       not null,
    adjustment    jsonb       not null,
    seq           bigserial   not null,
    received_at   timestamptz not null default now()
);
create index plan_adjustments_by_patient on plan_adjustments (patient_id, seq);

-- A cancelled plan is no longer evaluated against; kept even if the plan is not known yet.
create table plan_cancellations (
    plan_id      uuid        primary key,
    patient_id   text        not null references patients,
    cancelled_at timestamptz not null,
    received_at  timestamptz not null default now()
);
create index plan_cancellations_by_patient on plan_cancellations (patient_id);

-- Completed administrations: the earliest that belongs to the current plan starts the
-- treatment clock. Not-done doses never start treatment and are not kept.
create table administrations (
    source            text        not null,
    administration_id text        not null,
    patient_id        text        not null references patients,
    plan_id           uuid,
    administered_at   timestamptz not null,
    dose              jsonb       not null,
    received_at       timestamptz not null default now(),
    primary key (source, administration_id)
);
create index administrations_by_patient on administrations (patient_id, administered_at);

-- Every version of every result, as received and normalised (amendments keep the history;
-- a re-sent identical report is not a new version). ``report`` is the domain's LabReport;
-- the columns beside it are for reading and indexing.
create table results (
    id             bigserial   primary key,
    patient_id     text        not null references patients,
    source         text        not null,
    result_id      text        not null,
    version        integer     not null check (version >= 1),
    event_id       uuid        not null unique,
    status         text        not null
                   check (status in ('final', 'amended', 'corrected', 'cancelled')),
    outcome        text        not null
                   check (outcome in ('new', 'superseded', 'cancelled', 'stale')),
    code           text        not null,
    analyte        text,        -- null: unrecognised code, stored and never evaluated
    observed_at    timestamptz not null,
    reported_at    timestamptz not null,
    lab_id         text,
    original_value double precision not null,
    original_unit  text        not null,
    value          double precision,
    unit           text,
    interpretation text,
    report         jsonb       not null,
    received_at    timestamptz not null default now(),
    unique (source, result_id, version)
);
create index results_by_patient on results (patient_id, id);

-- Findings raised for a patient, one per dedupe key (rule + the result versions it cites).
-- Withdrawn when amended or cancelled evidence no longer supports them; never deleted.
create table findings (
    flag_id      uuid        primary key,
    patient_id   text        not null references patients,
    dedupe_key   text        not null,
    episode_key  text        not null,
    plan_id      uuid,
    rule_id      text        not null,
    rule_version integer     not null,
    reason       text        not null,
    severity     text        not null,
    status       text        not null check (status in ('open', 'withdrawn')),
    supersedes_flag_id uuid,
    finding      jsonb       not null,
    raised_at    timestamptz not null,
    changed_at   timestamptz not null,
    unique (patient_id, dedupe_key)
);
create index findings_by_patient on findings (patient_id, raised_at);
