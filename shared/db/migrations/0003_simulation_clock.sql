-- The time a simulation pinned (never set in production): it survives a restart, so a
-- service killed mid-simulation comes back at the simulated time, not the wall clock's.
create table simulation_clock (
    singleton boolean primary key default true check (singleton),
    pinned_at timestamptz
);
