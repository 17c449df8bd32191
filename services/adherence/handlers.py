"""Adherence's batch handler: plans become its schedule copy, administrations are matched.

Each event is applied in batch order inside the consumer's transaction. Every change to a
plan's doses happens with the patient's plan rows locked (SELECT ... FOR UPDATE, in plan_id
order), so two instances handling the same patient during a rebalance, or a handler and a
sweeper, serialise per plan. An event refused for good is returned as a Rejection before
anything of it is written.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from services.adherence.domain import (
    AdministrationParked,
    AdministrationRejected,
    AdministrationUnscheduled,
    TrackedDose,
    TrackedPlan,
    apply_adjustment,
    apply_outcome,
    cancel_plan,
    match_administration,
    track_plan,
)
from services.adherence.parked import reconcile_parked
from services.adherence.settle import Context, settle_plan
from services.adherence.store import administrations, schedule, state
from shared.contracts import DoseAdministered, Event, PlanAdjusted, PlanCancelled, PlanCreated
from shared.db.types import Connection
from shared.messaging.consumer import BatchHandler
from shared.messaging.records import Inbound, Rejection
from shared.observability.tracing import each_traced
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

Refused = AdministrationRejected
"""Why an event can never be applied: its kind and message go to the dead-letter topic."""


@dataclass(slots=True, kw_only=True)
class PatientState:
    """A patient's plans (locked), their doses, and administrations outside the schedule.

    Events change it in memory as they are applied; ``touched`` names the plans to settle
    once the patient's events of the batch are all applied.
    """

    plans: list[TrackedPlan]
    doses: list[TrackedDose]
    others: list[DoseAdministered]
    touched: set[UUID] = field(default_factory=set)

    def touch_all(self) -> None:
        """Every plan of the patient needs settling (its administrations changed)."""
        self.touched.update(plan.plan_id for plan in self.plans)


async def load_patient(conn: Connection, patient_id: str) -> PatientState:
    """Lock the patient's plans and load everything matching and the rules need."""
    plans = await state.lock_patient_plans(conn, patient_id)
    doses = await state.plan_doses(conn, [p.plan_id for p in plans])
    others = await state.unscheduled_given(conn, patient_id)
    return PatientState(plans=plans, doses=doses, others=others)


def by_patient(batch: Sequence[Inbound]) -> dict[str, list[Inbound]]:
    """The batch's events per patient, each patient's in batch (Kafka) order."""
    grouped: dict[str, list[Inbound]] = defaultdict(list)
    for inbound in batch:
        grouped[inbound.event.patient_id].append(inbound)
    return grouped


def build_handler(runtime: ServiceRuntime, context: Context) -> BatchHandler:
    """The consumer's handler for treatment.plans and treatment.doses."""

    async def handle(conn: Connection, batch: Sequence[Inbound]) -> list[Rejection]:
        """Apply each patient's events in order, then settle what they changed, once."""
        rejections = []
        now = runtime.clock()
        for patient_id, inbounds in by_patient(batch).items():
            # One load and one settle per patient and batch, not per event: a clinic's
            # doses of one patient often arrive together.
            patient = await load_patient(conn, patient_id)
            last = len(inbounds) - 1
            for index, inbound in enumerate(each_traced(inbounds, service=context.source)):
                refused = await apply_event(conn, patient, inbound.event, now=now, context=context)
                if refused is not None:
                    log.warning(
                        "event refused",
                        extra={"kind": refused.kind, "event_type": inbound.event.type},
                    )
                    rejections.append(
                        Rejection(inbound.delivery, refused.kind, refused.message, inbound.event)
                    )
                if index == last:
                    # Inside the last event's span: what settling emits continues its trace.
                    await settle_touched(conn, patient, now=now, context=context)
        return rejections

    return handle


async def apply_event(
    conn: Connection, patient: PatientState, event: Event, *, now: datetime, context: Context
) -> Refused | None:
    """Apply one plan or dose event to the patient; the reason when it can never be applied."""
    if isinstance(event, DoseAdministered):
        return await on_dose_administered(conn, patient, event, now=now, context=context)
    if isinstance(event, PlanCreated):
        await on_plan_created(conn, patient, event, now=now, context=context)
        return None
    if isinstance(event, PlanAdjusted | PlanCancelled):
        return await on_plan_changed(conn, patient, event, now=now, context=context)
    return None


async def settle_touched(
    conn: Connection, patient: PatientState, *, now: datetime, context: Context
) -> None:
    """Settle the plans the patient's events changed (the caller holds their locks)."""
    for plan in patient.plans:
        if plan.plan_id in patient.touched:
            await settle_plan(
                conn, plan, patient.doses, now=now, context=context, others=patient.others
            )
    patient.touched.clear()


async def on_plan_created(
    conn: Connection,
    patient: PatientState,
    created: PlanCreated,
    *,
    now: datetime,
    context: Context,
) -> None:
    """Keep the plan and its doses, reconcile the patient's parked doses."""
    if not await schedule.insert_plan(conn, created):
        return  # a resent PlanCreated (new event id, same plan): the copy is already kept
    change = track_plan(created)
    # The row is new in this transaction: no other can see it, let alone lock it.
    patient.plans.append(change.plan)
    # Doses first: a parked administration matched below refers to one of them.
    await schedule.save_doses(
        conn, change.doses, plan=change.plan, windows=context.config.windows, now=now
    )
    patient.doses = await reconcile_parked(
        conn,
        created.patient_id,
        plans=patient.plans,
        doses=[*patient.doses, *change.doses],
        now=now,
        context=context,
    )
    patient.others = await state.unscheduled_given(conn, created.patient_id)
    patient.touch_all()


async def on_dose_administered(
    conn: Connection,
    patient: PatientState,
    given: DoseAdministered,
    *,
    now: datetime,
    context: Context,
) -> Refused | None:
    """Validate, then match, park or record as unscheduled (once per source + id)."""
    outcome = match_administration(
        given, plans=patient.plans, doses=patient.doses, now=now, config=context.config
    )
    if isinstance(outcome, AdministrationRejected):
        return outcome
    if isinstance(outcome, AdministrationParked):
        pk = await administrations.insert_administration(
            conn, given, outcome="parked", reason=outcome.reason, dose_id=None, timing=None, now=now
        )
        if pk is not None:
            await administrations.park(conn, pk, given, reason=outcome.reason, now=now)
        return None
    if isinstance(outcome, AdministrationUnscheduled):
        pk = await administrations.insert_administration(
            conn,
            given,
            outcome="unscheduled",
            reason=outcome.reason,
            dose_id=None,
            timing=None,
            now=now,
        )
        if pk is not None and given.status == "completed":
            # An unscheduled dose is still a dose: it moves the maintenance-gap deadline.
            patient.others.append(given)
            patient.touch_all()
        return None
    recorded = outcome.dose.administration
    assert recorded is not None
    pk = await administrations.insert_administration(
        conn,
        given,
        outcome="matched",
        reason=None,
        dose_id=outcome.dose.dose_id,
        timing=recorded.timing,
        now=now,
    )
    if pk is None:
        return None  # the same administration again (a new event id): recorded once
    await administrations.insert_discrepancies(
        conn, pk, dose_id=outcome.dose.dose_id, discrepancies=recorded.discrepancies
    )
    patient.doses = list(apply_outcome(patient.doses, outcome))
    patient.touched.add(outcome.dose.plan_id)
    return None


async def on_plan_changed(
    conn: Connection,
    patient: PatientState,
    event: PlanAdjusted | PlanCancelled,
    *,
    now: datetime,
    context: Context,
) -> Refused | None:
    """Apply an adjustment (future doses replaced, history kept) or a cancellation."""
    plan = next((p for p in patient.plans if p.plan_id == event.plan_id), None)
    if plan is None:
        if await state.plans_by_id(conn, [event.plan_id]):
            return Refused(
                kind="plan_of_another_patient",
                message=f"plan {event.plan_id} belongs to another patient",
            )
        return Refused(
            kind="unknown_plan",
            message=(
                f"plan {event.plan_id} is not known to adherence (no PlanCreated applied);"
                " replay this record once it is"
            ),
        )
    own = [d for d in patient.doses if d.plan_id == plan.plan_id]
    if isinstance(event, PlanAdjusted):
        change = apply_adjustment(plan, own, adjustment=event)
    else:
        change = cancel_plan(plan, own, cancellation=event)
    await schedule.save_plan(conn, change.plan)
    # Saved now, not only when the patient is settled: a later event of the same batch may
    # match an administration to one of the replacement doses.
    await schedule.save_doses(
        conn, change.doses, plan=change.plan, windows=context.config.windows, now=now
    )
    patient.plans = [change.plan if p.plan_id == plan.plan_id else p for p in patient.plans]
    patient.doses = [*(d for d in patient.doses if d.plan_id != plan.plan_id), *change.doses]
    patient.touched.add(plan.plan_id)
    return None
