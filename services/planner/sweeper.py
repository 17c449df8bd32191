"""The planner's sweeper: roll lifelong horizons forward, propose ending loading at review.

Idempotent: an extended plan's horizon has moved past the margin, and a review proposal's id
is derived from the plan and the review date, so a second run finds nothing left to do.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from services.planner import store
from services.planner.domain import PlannerError, extend_horizon, find_due_loading_reviews
from services.planner.effects import record_adjustment, record_proposal
from services.planner.runtime import SWEEPER_ACTOR, PlannerRuntime, planner_runtime
from shared.db.types import Connection
from shared.runtime import ServiceRuntime, Sweeper

log = logging.getLogger(__name__)

# A plan's local date is at most a day ahead of UTC's: the SQL pre-selects with this slack and
# the domain decides with the plan's own "today".
_TIMEZONE_SLACK = timedelta(days=1)

PlanStep = Callable[[Connection, Any, PlannerRuntime, datetime], Awaitable[bool]]


async def sweep(runtime: ServiceRuntime, now: datetime) -> int:
    """Extend due horizons and propose due loading reviews; returns how many were made."""
    planner = planner_runtime(runtime)
    utc_today = now.date()
    margin = timedelta(days=planner.context.rules.schedule.extend_when_days_left)
    extended = await _sweep(
        planner,
        now,
        select=lambda conn, limit, skip: store.plans_with_horizon_before(
            conn, before=utc_today + margin + _TIMEZONE_SLACK, limit=limit, skip=skip
        ),
        step=_extend,
    )
    reviews = await _sweep(
        planner,
        now,
        select=lambda conn, limit, skip: store.plans_with_loading_review_by(
            conn, on_or_before=utc_today + _TIMEZONE_SLACK, limit=limit, skip=skip
        ),
        step=_propose_review,
    )
    return extended + reviews


async def _sweep(
    planner: PlannerRuntime,
    now: datetime,
    *,
    select: Callable[[Connection, int, list[UUID]], Awaitable[list[Any]]],
    step: PlanStep,
) -> int:
    """Batches of locked plans, one transaction each, until none is left to look at."""
    limit = planner.planner_settings.sweep_batch_size
    seen: list[UUID] = []
    done = 0
    while True:
        async with planner.pool.acquire() as conn, conn.transaction():
            # Locked with SKIP LOCKED: another instance's sweeper takes other plans.
            rows = await select(conn, limit, seen)
            for row in rows:
                seen.append(row["plan_id"])
                done += await _step_isolated(conn, row, planner=planner, now=now, step=step)
        if len(rows) < limit:
            return done


async def _step_isolated(
    conn: Connection, row: Any, *, planner: PlannerRuntime, now: datetime, step: PlanStep
) -> int:
    # A savepoint per plan: one plan the rules refuse (logged) never blocks the others.
    try:
        async with conn.transaction():
            return int(await step(conn, row, planner, now))
    except PlannerError as exc:
        log.warning(
            "sweeper skipped a plan",
            extra={"plan_id": str(row["plan_id"]), "error": type(exc).__name__},
        )
        return 0


async def _extend(conn: Connection, row: Any, planner: PlannerRuntime, now: datetime) -> bool:
    plan = store.plan_from_row(row)
    adjustment = extend_horizon(plan, today=planner.today(plan.timezone), context=planner.context)
    if adjustment is None:
        return False
    await record_adjustment(
        conn,
        adjustment,
        previous_revision=plan.revision,
        change=None,
        proposal_id=None,
        actor=SWEEPER_ACTOR,
        topic=planner.topics.plans,
        now=now,
    )
    return True


async def _propose_review(
    conn: Connection, row: Any, planner: PlannerRuntime, now: datetime
) -> bool:
    plan = store.plan_from_row(row)
    proposals = find_due_loading_reviews(
        [plan], today=planner.today(plan.timezone), context=planner.context
    )
    created = [await record_proposal(conn, p, actor=SWEEPER_ACTOR, now=now) for p in proposals]
    return any(created)


def planner_sweeper(interval_s: float) -> Sweeper:
    """The sweeper as the shared runtime runs it."""
    return Sweeper(name="plans", interval_s=interval_s, run=sweep)
