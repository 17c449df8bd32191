"""Bringing one plan up to date at ``now``: the step the handler and the sweeper share.

Whatever changed a plan (a schedule event, an administration, or only time passing), the same
function declares the misses whose window has closed, writes the doses back, stores and emits
each new miss, resolution and flag once, and records when the maintenance-gap flag would fire.
So what adherence emits does not depend on whether a sweep ran before an event arrived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.adherence.domain import (
    AdherenceConfig,
    TrackedDose,
    TrackedPlan,
    detect_missed_doses,
    dose_miss_resolved_event,
    dose_missed_event,
    evaluate_flags,
    maintenance_gap_deadline,
    response_flagged_event,
)
from services.adherence.domain.model import active_in_order
from services.adherence.domain.windows import start_of_local_day
from services.adherence.store import administrations, findings, schedule
from shared.contracts import DoseAdministered, Event
from shared.db.types import Connection
from shared.messaging.outbox import enqueue_events
from shared.topics import Topics


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """What settling needs besides the state: the rules' config and where events go."""

    config: AdherenceConfig
    topics: Topics
    source: str
    """The ``source`` of the events adherence emits."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settled:
    """What settling one plan emitted, and the plan's doses afterwards."""

    doses: tuple[TrackedDose, ...]
    misses: int = 0
    resolved: int = 0
    flags: int = 0


async def settle_plan(
    conn: Connection,
    plan: TrackedPlan,
    doses: Sequence[TrackedDose],
    *,
    now: datetime,
    context: Context,
    others: Sequence[DoseAdministered] = (),
) -> Settled:
    """Declare closed windows missed, store the plan's doses, emit new misses, resolutions, flags.

    The caller holds the plan's row lock (handler: FOR UPDATE; sweeper: a SKIP LOCKED lease),
    so one transaction at a time settles a plan. ``others`` are the patient's unscheduled
    completed administrations, which the maintenance-gap rule counts.
    """
    config = context.config
    current = detect_missed_doses(plan, doses, now=now, config=config).doses
    await schedule.save_doses(conn, current, plan=plan, windows=config.windows, now=now)
    own = active_in_order(d for d in current if d.plan_id == plan.plan_id)
    new_misses = await administrations.insert_misses(conn, own, plan=plan, windows=config.windows)
    resolved = await administrations.resolve_misses(
        conn, [d.dose_id for d in own if d.miss is not None and d.given], now=now
    )
    adherence_events: list[Event] = [
        dose_missed_event(d, plan, source=context.source, windows=config.windows)
        for d in own
        if d.dose_id in new_misses
    ]
    # A miss declared and resolved in one step (a late dose the sweep had not declared yet)
    # still reads DoseMissed then DoseMissResolved, in that order on the patient's key.
    adherence_events += [
        dose_miss_resolved_event(d, plan, now=now, source=context.source)
        for d in own
        if d.dose_id in resolved
    ]
    await enqueue_events(conn, context.topics.adherence, adherence_events)

    found = evaluate_flags(plan, current, now=now, config=config, other_administrations=others)
    fresh = await findings.record_new_findings(conn, found, patient_id=plan.patient_id, now=now)
    await enqueue_events(
        conn,
        context.topics.flags,
        [
            response_flagged_event(f, patient_id=plan.patient_id, now=now, source=context.source)
            for f in fresh
        ],
    )

    deadline = maintenance_gap_deadline(plan, current, config=config, other_administrations=others)
    due_at = start_of_local_day(deadline, plan.zone) if deadline is not None else None
    if due_at is not None and due_at <= now:
        # The rules just ran at or after the deadline, so the gap finding is stored: nothing
        # is left for the sweeper until a dose given starts a new gap.
        deadline, due_at = None, None
    await schedule.set_gap_deadline(conn, plan.plan_id, due_on=deadline, due_at=due_at)
    return Settled(
        doses=tuple(current),
        misses=len(new_misses),
        resolved=len(resolved),
        flags=len(fresh),
    )
