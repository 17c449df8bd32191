-- The planner's plans: the whole domain plan as a document, plus its doses and lab checks as
-- rows so their history is queryable (a replaced row is superseded, never deleted).

create table plans (
    plan_id           uuid        primary key,
    -- Insertion order: a simulation's pinned clock gives several plans one created_at.
    seq               bigint      generated always as identity,
    patient_id        text        not null,
    indication        text        not null,
    status            text        not null check (status in ('active', 'cancelled')),
    protocol_id       text        not null,
    protocol_version  integer     not null,
    lifelong          boolean     not null,
    timezone          text        not null,
    start_date        date        not null,
    -- Copied from the document for the sweeper's queries (null: nothing to extend / review).
    horizon_until     date,
    loading_review_on date,
    -- Adjustments applied so far; the document's own revision, kept in step.
    revision          integer     not null check (revision >= 0),
    -- The domain Plan (services.planner.domain.Plan) as JSON: the source of truth for reads.
    document          jsonb       not null,
    created_at        timestamptz not null,
    created_by        text        not null,
    updated_at        timestamptz not null,
    cancelled_at      timestamptz,
    cancelled_by      text,
    cancel_reason     text
);
-- One active plan per patient and cause: a second POST /plans answers 409.
create unique index plans_one_active on plans (patient_id, indication) where status = 'active';
create index plans_by_patient on plans (patient_id, created_at desc, seq desc);
create index plans_horizon_due on plans (horizon_until)
    where status = 'active' and horizon_until is not null;
create index plans_loading_review_due on plans (loading_review_on)
    where status = 'active' and loading_review_on is not null;

create table plan_doses (
    id                     bigserial   primary key,
    plan_id                uuid        not null references plans (plan_id),
    dose_id                uuid        not null,
    due_on                 date        not null,
    dose_mcg               float8      not null check (dose_mcg > 0),
    product                text        not null,
    route                  text        not null,
    phase                  text        not null,
    -- The plan revision that scheduled this row, and the one that replaced it.
    revision               integer     not null,
    superseded_at          timestamptz,
    superseded_by_revision integer
);
-- A dose id is derived from plan, phase and date: at most one current row carries it.
create unique index plan_doses_current on plan_doses (dose_id) where superseded_at is null;
create index plan_doses_by_plan on plan_doses (plan_id, due_on);

create table plan_lab_checks (
    id                     bigserial   primary key,
    plan_id                uuid        not null references plans (plan_id),
    check_id               uuid        not null,
    due_on                 date        not null,
    loinc_codes            text[]      not null,
    purpose                text        not null,
    kind                   text,
    revision               integer     not null,
    superseded_at          timestamptz,
    superseded_by_revision integer
);
create unique index plan_lab_checks_current on plan_lab_checks (check_id)
    where superseded_at is null;
create index plan_lab_checks_by_plan on plan_lab_checks (plan_id, due_on);

-- Proposals: plan changes suggested by a flag or by a loading phase reaching its review.
-- Nothing changes until a staff member approves one.
create table proposals (
    -- Derived from the plan and what raised it, so a redelivered flag finds its proposal.
    proposal_id     uuid        primary key,
    seq             bigint      generated always as identity,
    plan_id         uuid        not null references plans (plan_id),
    flag_id         uuid,
    -- The domain PlanChange as JSON (its "kind" says which change).
    change          jsonb       not null,
    effective_from  date        not null,
    reason_kind     text        not null,
    applicable      boolean     not null,
    summary         text        not null,
    reasons         jsonb       not null,
    removed_doses   date[]      not null,
    added_doses     date[]      not null,
    status          text        not null check (status in ('proposed', 'approved', 'rejected')),
    created_at      timestamptz not null,
    created_by      text        not null,
    decided_at      timestamptz,
    decided_by      text,
    decision_reason text,
    adjustment_id   uuid,
    -- A flag makes one proposal per plan, however often it is delivered or re-issued.
    unique (plan_id, flag_id)
);
create index proposals_by_plan on proposals (plan_id, created_at, seq);

-- Every PlanAdjusted the planner published: what changed, why, and who decided it.
create table adjustments (
    adjustment_id  uuid        primary key,
    plan_id        uuid        not null references plans (plan_id),
    revision       integer     not null,
    effective_from date        not null,
    reason_kind    text        not null,
    reason         text        not null,
    -- The domain PlanChange as JSON; null for a rolling horizon extension.
    change         jsonb,
    flag_id        uuid,
    proposal_id    uuid        references proposals (proposal_id),
    actor          text        not null,
    event_id       uuid        not null,
    created_at     timestamptz not null,
    -- Two writers racing on one plan: the second one's revision clashes here.
    unique (plan_id, revision)
);

-- The audit trail: who (a token's subject, or a system actor) did what to which plan, when.
create table audit_log (
    id            bigserial   primary key,
    at            timestamptz not null,
    actor         text        not null,
    action        text        not null,
    plan_id       uuid        not null references plans (plan_id),
    proposal_id   uuid,
    adjustment_id uuid,
    note          text
);
create index audit_log_by_plan on audit_log (plan_id, id);
