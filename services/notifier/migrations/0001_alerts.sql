-- The notifier's state: alerts, the flags they absorbed, what staff and the sweeper did to
-- them, and the delivery outbox (every message to send, retried independently of Kafka).

create table alerts (
    alert_id             uuid        primary key,
    -- Bumped on every change: the sweeper and staff actions update "where revision = $old".
    revision             integer     not null check (revision >= 1),
    patient_id           text        not null,
    plan_id              uuid,
    reason               text        not null,
    severity             text        not null check (severity in ('info', 'warning', 'urgent')),
    status               text        not null check (status in ('open', 'acknowledged', 'resolved')),
    team                 text        not null,
    route_rule           text        not null,
    channels             text[]      not null,
    escalate_after       interval,
    recommendation       text        not null,
    opened_at            timestamptz not null,
    first_flagged_at     timestamptz not null,
    last_flagged_at      timestamptz not null,
    severity_since       timestamptz not null,
    occurrence_count     integer     not null check (occurrence_count >= 1),
    escalation_level     integer     not null default 0,
    escalated_at         timestamptz,
    acknowledged_at      timestamptz,
    acknowledged_by      text,
    acknowledgement_note text,
    resolved_at          timestamptz,
    resolved_by          text,
    resolution_note      text,
    -- When the sweeper must look at the alert next (null: never), derived by the domain.
    next_escalation_at   timestamptz,
    updated_at           timestamptz not null
);
-- One unresolved alert per patient and reason: repeats become occurrences of it.
create unique index alerts_one_open on alerts (patient_id, reason) where status <> 'resolved';
create index alerts_escalation_due on alerts (next_escalation_at)
    where status = 'open' and next_escalation_at is not null;
-- The listing is newest first with a keyset cursor on (opened_at, alert_id).
create index alerts_newest on alerts (opened_at desc, alert_id desc);
create index alerts_by_patient on alerts (patient_id, opened_at desc);
create index alerts_by_status on alerts (status, opened_at desc);

create table occurrences (
    occurrence_id uuid        primary key,
    alert_id      uuid        not null references alerts (alert_id),
    -- A flag counts once, even if its producer re-issues it under a new event id.
    flag_id       uuid        not null unique,
    event_id      uuid        not null,
    sequence      integer     not null,
    severity      text        not null,
    raised_by     text        not null,
    rule_id       text        not null,
    rule_version  integer     not null,
    occurred_at   timestamptz not null,
    received_at   timestamptz not null,
    -- The whole flag, evidence included: shown in the API, never sent out.
    flag          jsonb       not null,
    unique (alert_id, sequence)
);

-- The audit trail: every change to an alert, with who (staff id or system actor) made it.
create table alert_actions (
    id       bigserial   primary key,
    alert_id uuid        not null references alerts (alert_id),
    kind     text        not null,
    actor    text        not null,
    note     text,
    at       timestamptz not null
);
create index alert_actions_by_alert on alert_actions (alert_id, id);

create table escalations (
    escalation_id uuid        primary key,
    alert_id      uuid        not null references alerts (alert_id),
    team          text        not null,
    level         integer     not null check (level >= 1),
    recipient     text        not null,
    due_at        timestamptz not null,
    escalated_at  timestamptz not null,
    unique (alert_id, team, level)
);

-- The delivery outbox. in_app rows are sent when written (the API and the live stream are
-- the channel); webhook and email rows are leased, sent and marked by the delivery worker.
create table deliveries (
    delivery_id     uuid        primary key,
    alert_id        uuid        not null references alerts (alert_id),
    cause           text        not null,
    cause_id        uuid        not null,
    channel         text        not null check (channel in ('in_app', 'webhook', 'email')),
    target          text        not null,
    secret_id       text,
    level           integer     not null,
    -- The exact bytes POSTed and signed (fixed at creation: every retry sends the same).
    payload         bytea       not null,
    email_subject   text,
    email_body      text,
    status          text        not null check (status in ('pending', 'sent', 'dead')),
    attempts        integer     not null default 0,
    -- Due time; leasing pushes it to the lease's end, so a leased row is not due elsewhere.
    next_attempt_at timestamptz not null,
    lease_token     uuid,
    last_attempt_at timestamptz,
    last_error      text,
    created_at      timestamptz not null,
    delivered_at    timestamptz,
    dead_at         timestamptz
);
create index deliveries_due on deliveries (next_attempt_at) where status = 'pending';
create index deliveries_by_alert on deliveries (alert_id, created_at);

-- The delivery log: one row per attempt and its outcome.
create table delivery_attempts (
    id          bigserial   primary key,
    delivery_id uuid        not null references deliveries (delivery_id),
    attempt     integer     not null,
    at          timestamptz not null,
    outcome     text        not null check (outcome in ('sent', 'retry', 'dead')),
    error       text
);
create index delivery_attempts_by_delivery on delivery_attempts (delivery_id, id);
