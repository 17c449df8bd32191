"""The sweeper: misses and gaps that only the passage of time reveals.

Each round leases a batch of plans in one transaction with FOR UPDATE SKIP LOCKED: first plans
with an open dose whose window has closed (found through the partial index of open doses by
closes_at), then plans whose maintenance-gap deadline has come (index on gap_due_at). Each
leased plan is settled (misses declared and stored, events and flags enqueued) in the same
transaction, so a miss is declared exactly when its lease commits. A second instance sweeping
at the same time skips the leased plans and takes others; the misses table's primary key and
the findings' dedupe keys stop anything being emitted twice whatever happens.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from services.adherence.domain import AdherenceConfig, TrackedPlan
from services.adherence.domain.windows import dose_window
from services.adherence.settings import AdherenceSettings
from services.adherence.settle import Context, settle_plan
from services.adherence.store import schedule, state
from shared.contracts import Phase
from shared.db.types import Connection
from shared.runtime import ServiceRuntime, Sweeper

log = logging.getLogger(__name__)

Lease = Callable[..., Awaitable[list[TrackedPlan]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepReport:
    """What one sweep did."""

    plans: int = 0
    misses: int = 0
    resolved: int = 0
    flags: int = 0

    @property
    def findings(self) -> int:
        """Misses declared plus flags raised (the runtime's sweeper metric)."""
        return self.misses + self.flags

    def __add__(self, other: SweepReport) -> SweepReport:
        return SweepReport(
            plans=self.plans + other.plans,
            misses=self.misses + other.misses,
            resolved=self.resolved + other.resolved,
            flags=self.flags + other.flags,
        )


async def sweep(
    pool: asyncpg.Pool,
    *,
    now: datetime,
    context: Context,
    batch_size: int = 100,
    max_rounds: int = 1000,
) -> SweepReport:
    """Settle every plan with a closed window or a gap deadline due at ``now``."""
    report = SweepReport()
    for lease in (state.lease_plans_with_closed_windows, state.lease_plans_with_gap_due):
        for _ in range(max_rounds):
            async with pool.acquire() as conn, conn.transaction():
                leased, round_report = await _sweep_round(
                    conn, lease, now=now, context=context, batch_size=batch_size
                )
            report += round_report
            # Settling a plan leaves nothing due for it, so a full batch means more may wait;
            # plans leased by another instance are skipped, never waited for.
            if leased < batch_size:
                break
        else:
            # Only a bug leaving plans due after settling them gets here; the next run goes on.
            log.warning("sweep stopped after its round limit", extra={"rounds": max_rounds})
    return report


async def _sweep_round(
    conn: Connection, lease: Lease, *, now: datetime, context: Context, batch_size: int
) -> tuple[int, SweepReport]:
    plans = await lease(conn, now=now, limit=batch_size)
    report = SweepReport()
    for plan in plans:
        doses = await state.plan_doses(conn, [plan.plan_id])
        others = await state.unscheduled_given(conn, plan.patient_id)
        settled = await settle_plan(conn, plan, doses, now=now, context=context, others=others)
        report += SweepReport(
            plans=1, misses=settled.misses, resolved=settled.resolved, flags=settled.flags
        )
    return len(plans), report


async def refresh_window_closes(
    pool: asyncpg.Pool, *, config: AdherenceConfig, page_size: int = 1000
) -> int:
    """Recompute closes_at of open doses from the configured windows; returns doses moved.

    closes_at is stored to index the sweep, so it must follow a change of the window settings;
    only open doses matter (the others are never swept).
    """
    moved = 0
    after: UUID | None = None
    while True:
        async with pool.acquire() as conn, conn.transaction():
            page = await schedule.open_doses_after(conn, after=after, limit=page_size)
            changes = []
            for dose_id, timezone, due_on, phase, closes_at in page:
                window = dose_window(
                    due_on=due_on,
                    phase=Phase(phase),
                    zone=ZoneInfo(timezone),
                    windows=config.windows,
                )
                if window.closes_at != closes_at:
                    changes.append((dose_id, window.closes_at))
            await schedule.set_closes_at(conn, changes)
        moved += len(changes)
        if len(page) < page_size:
            return moved
        after = page[-1][0]


def build_sweeper(settings: AdherenceSettings) -> Sweeper:
    """The runtime's periodic sweep, every ``sweep_interval_s``."""

    async def run(runtime: ServiceRuntime, now: datetime) -> int:
        context = Context(
            config=settings.config, topics=runtime.topics, source=settings.service_name
        )
        report = await sweep(
            runtime.pool, now=now, context=context, batch_size=settings.sweep_batch_size
        )
        if report.plans:
            log.info(
                "sweep settled plans",
                extra={"plans": report.plans, "misses": report.misses, "flags": report.flags},
            )
        return report.findings

    return Sweeper(name="misses", interval_s=settings.sweep_interval_s, run=run)
