"""Labs' batch handler: keep plans, doses and results, evaluate patients, flag via the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.labs import store
from services.labs.domain import (
    FindingStatus,
    LabsConfig,
    NormalisationError,
    RecordOutcome,
    TreatmentContext,
    build_flag,
    context_from_plan,
    evaluate_labs,
    flag_id_of,
    normalise_result,
    reconcile_findings,
    record_report,
    replaced_findings,
)
from services.labs.settings import LabsSettings
from services.labs.state import PatientState, StoredPlan
from services.labs.store import NewVersion
from shared.contracts import (
    DoseAdministered,
    LabResulted,
    PlanAdjusted,
    PlanCancelled,
    PlanCreated,
)
from shared.db.types import Connection
from shared.messaging.consumer import BatchHandler
from shared.messaging.outbox import enqueue_events
from shared.messaging.records import Inbound, Rejection
from shared.observability.tracing import each_traced
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

RESULT_OF_ANOTHER_PATIENT = "result_of_another_patient"


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluator:
    """What evaluating a patient needs besides the database: config, clock, where flags go."""

    config: LabsConfig
    clock: Callable[[], datetime]
    flags_topic: str
    source: str


def labs_handler(runtime: ServiceRuntime) -> BatchHandler:
    """The consumer's handler for plans, doses and labs, bound to the labs runtime."""
    settings = runtime.settings
    assert isinstance(settings, LabsSettings)
    evaluator = Evaluator(
        config=settings.config,
        clock=runtime.clock,
        flags_topic=runtime.topics.flags,
        source=settings.service_name,
    )

    async def handle(conn: Connection, batch: Sequence[Inbound]) -> list[Rejection]:
        """Apply the batch patient by patient, each under its lock, in the order received."""
        rejections: list[Rejection] = []
        by_patient: dict[str, list[Inbound]] = {}
        for inbound in batch:
            by_patient.setdefault(inbound.event.patient_id, []).append(inbound)
        # A fixed locking order keeps two instances that share patients from deadlocking.
        for patient_id in sorted(by_patient):
            rejections += await apply_patient_events(
                conn, patient_id=patient_id, events=by_patient[patient_id], evaluator=evaluator
            )
        return rejections

    return handle


async def apply_patient_events(
    conn: Connection, *, patient_id: str, events: Sequence[Inbound], evaluator: Evaluator
) -> list[Rejection]:
    """Apply one patient's events, then evaluate once if anything a rule sees has changed."""
    await store.lock_patient(conn, patient_id)
    state = await store.load_patient(conn, patient_id)
    before = state.context(evaluator.config)
    batch = _PatientBatch(state=state, config=evaluator.config)
    rejections: list[Rejection] = []
    last = len(events) - 1
    for index, inbound in enumerate(each_traced(events, service="labs")):
        rejection = await batch.apply(conn, inbound)
        if rejection is not None:
            rejections.append(rejection)
        if index == last:
            # Still inside the last event's span, so the flags continue its trace.
            await batch.flush(conn)
            after = state.context(evaluator.config)
            if after is not None and (batch.results_changed or after != before):
                await evaluate_patient(
                    conn,
                    state,
                    context=after,
                    evaluator=evaluator,
                    correlation_id=inbound.event.correlation_id,
                )
    return rejections


@dataclass
class _PatientBatch:
    """One patient's events of a batch: state grown in memory, result rows written at the end."""

    state: PatientState
    config: LabsConfig
    results_changed: bool = False

    def __post_init__(self) -> None:
        self.new_versions: list[NewVersion] = []
        self.new_doses: list[DoseAdministered] = []

    async def apply(self, conn: Connection, inbound: Inbound) -> Rejection | None:
        """Apply one event; a Rejection when it can never be processed (nothing is written)."""
        event, state = inbound.event, self.state
        if isinstance(event, LabResulted):
            return await self._apply_result(conn, inbound=inbound, event=event)
        if isinstance(event, DoseAdministered):
            key = (event.source, event.administration_id)
            # Idempotent on the clinic's key; a not-done dose never starts treatment.
            if event.status == "completed" and key not in state.doses:
                state.doses[key] = event
                self.new_doses.append(event)
        elif isinstance(event, PlanCreated):
            context = context_from_plan(event)
            seq = await store.insert_plan(
                conn, patient_id=event.patient_id, plan_id=event.plan_id, context=context
            )
            if seq is not None:
                state.plans[event.plan_id] = StoredPlan(
                    plan_id=event.plan_id, start_date=event.start_date, context=context, seq=seq
                )
        elif isinstance(event, PlanAdjusted):
            if await store.insert_adjustment(conn, event):
                state.adjustments.append(event)
        elif isinstance(event, PlanCancelled) and await store.insert_cancellation(conn, event):
            state.cancelled.add(event.plan_id)
        return None

    async def _apply_result(
        self, conn: Connection, *, inbound: Inbound, event: LabResulted
    ) -> Rejection | None:
        state = self.state
        try:
            report = normalise_result(event, config=self.config)
        except NormalisationError as error:
            return Rejection(inbound.delivery, error.kind, error.reason, event)
        if state.timeline.latest_version(report.key) is None:
            owner = await store.result_owner(conn, source=event.source, result_id=event.result_id)
            if owner is not None and owner != state.patient_id:
                # A result re-issued under another patient is a misidentification for the
                # laboratory to resolve; attaching it to either patient could mislead.
                message = "this source and result_id belong to another patient"
                return Rejection(inbound.delivery, RESULT_OF_ANOTHER_PATIENT, message, event)
        recorded = record_report(state.timeline, report)
        if recorded.outcome is RecordOutcome.DUPLICATE:
            return None
        version = 1 + sum(1 for r in state.timeline.reports if r.key == report.key)
        self.new_versions.append(NewVersion(report, version, recorded.outcome))
        state.timeline = recorded.timeline
        self.results_changed |= recorded.evaluation_changed
        return None

    async def flush(self, conn: Connection) -> None:
        """Write the result versions and doses collected so far."""
        if self.new_versions:
            await store.insert_results(
                conn, patient_id=self.state.patient_id, rows=self.new_versions
            )
            self.new_versions = []
        if self.new_doses:
            await store.insert_administrations(conn, self.new_doses)
            self.new_doses = []


async def evaluate_patient(
    conn: Connection,
    state: PatientState,
    *,
    context: TreatmentContext,
    evaluator: Evaluator,
    correlation_id: str | None,
) -> None:
    """Evaluate the effective timeline, reconcile with known findings, flag the new ones."""
    patient_id = state.patient_id
    current = evaluate_labs(timeline=state.timeline, context=context, config=evaluator.config)
    outcome = reconcile_findings(
        current=current,
        known=[stored.known() for stored in state.findings],
        timeline=state.timeline,
    )
    now = evaluator.clock()
    replaced = replaced_findings(outcome)
    raised = []
    for finding in outcome.raised:
        earlier = replaced.get(finding.dedupe_key)
        flag = build_flag(
            finding,
            patient_id=patient_id,
            plan_id=context.plan_id,
            source=evaluator.source,
            occurred_at=now,
            correlation_id=correlation_id,
            supersedes_flag_id=flag_id_of(earlier, patient_id=patient_id) if earlier else None,
        )
        raised.append((finding, flag))
    await store.insert_findings(conn, raised, at=now)
    await store.set_findings_status(
        conn,
        patient_id,
        dedupe_keys=[f.dedupe_key for f in outcome.withdrawn],
        status=FindingStatus.WITHDRAWN,
        at=now,
    )
    await store.set_findings_status(
        conn,
        patient_id,
        dedupe_keys=[f.dedupe_key for f in outcome.reopened],
        status=FindingStatus.OPEN,
        at=now,
    )
    await enqueue_events(conn, evaluator.flags_topic, [flag for _, flag in raised])
    await store.mark_evaluated(conn, patient_id, at=now)
    if raised or outcome.withdrawn or outcome.reopened:
        # Reasons and counts only: values and recommendations stay out of the logs.
        log.info(
            "findings reconciled",
            extra={
                "patient_id": patient_id,
                "raised": [finding.reason.value for finding, _ in raised],
                "withdrawn": len(outcome.withdrawn),
                "reopened": len(outcome.reopened),
            },
        )
