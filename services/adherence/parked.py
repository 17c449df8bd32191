"""Doses recorded before their plan: parked, then matched when the plan arrives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.adherence.domain import (
    AdministrationMatched,
    AdministrationParked,
    AdministrationRejected,
    AdministrationUnscheduled,
    MatchOutcome,
    TrackedDose,
    TrackedPlan,
    reconcile_administrations,
)
from services.adherence.settle import Context
from services.adherence.store import administrations
from shared.db.types import Connection


async def reconcile_parked(
    conn: Connection,
    patient_id: str,
    *,
    plans: Sequence[TrackedPlan],
    doses: list[TrackedDose],
    now: datetime,
    context: Context,
) -> list[TrackedDose]:
    """Match the patient's parked administrations now that a plan arrived; the doses after."""
    waiting = await administrations.waiting_parked(conn, patient_id)
    if not waiting:
        return doses
    by_key = {(a.source, a.administration_id): pk for pk, a in waiting}
    result = reconcile_administrations(
        [a for _, a in waiting], plans=plans, doses=doses, now=now, config=context.config
    )
    for administration, outcome in result.outcomes:
        if isinstance(outcome, AdministrationParked):
            continue  # it names a plan that is still unknown
        pk = by_key[(administration.source, administration.administration_id)]
        await _settle_parked(conn, pk, outcome, now=now)
    return list(result.doses)


async def _settle_parked(
    conn: Connection, pk: int, outcome: MatchOutcome, *, now: datetime
) -> None:
    if isinstance(outcome, AdministrationMatched):
        recorded = outcome.dose.administration
        assert recorded is not None
        await administrations.settle_parked(
            conn,
            pk,
            outcome="matched",
            reason=None,
            dose_id=outcome.dose.dose_id,
            timing=recorded.timing,
            now=now,
        )
        await administrations.insert_discrepancies(
            conn, pk, dose_id=outcome.dose.dose_id, discrepancies=recorded.discrepancies
        )
    elif isinstance(outcome, AdministrationUnscheduled):
        await administrations.settle_parked(
            conn,
            pk,
            outcome="unscheduled",
            reason=outcome.reason,
            dose_id=None,
            timing=None,
            now=now,
        )
    elif isinstance(outcome, AdministrationRejected):
        # Refused only now (e.g. it names another patient's plan), it can no longer be
        # dead-lettered: its event committed long ago. It stays recorded, with the reason.
        await administrations.settle_parked(
            conn, pk, outcome="rejected", reason=outcome.message, dose_id=None, timing=None, now=now
        )
