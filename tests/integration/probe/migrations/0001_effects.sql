create table effects (
    id                bigserial primary key,
    event_id          uuid not null,
    patient_id        text not null,
    administration_id text not null
);

create table ticks (
    id bigserial primary key,
    at timestamptz not null
);
