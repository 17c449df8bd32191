"""The missed-dose sweep: one sweep with 1,000,000 doses stored and 1,000 due.

The baseline is the same sweep with only the due plans stored: if the sweep's cost follows
the doses that are due (an index serves it), both take about the same time.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg

from devstack.platform import IsolatedPlatform
from shared.contracts import Phase, PhaseSpec

DOSES_PER_PLAN = 10


def _phases(start: date) -> list[object]:
    spec = PhaseSpec(
        phase=Phase.MAINTENANCE,
        description="1 mg IM every 12 weeks",
        product="hydroxocobalamin",
        route="IM",
        dose_mcg=1000,
        interval_days=84,
        starts_on=start,
    )
    return [spec.model_dump(mode="json")]


async def _fill(admin_dsn: str, schema: str, *, plans: int, due_plans: int, now: datetime) -> None:
    """Plans of ten 12-weekly doses; in ``due_plans`` of them the first window has closed."""
    today = now.date()
    conn = await asyncpg.connect(admin_dsn)
    try:
        plan_rows, dose_rows = [], []
        for i in range(plans):
            plan_id = uuid.uuid4()
            due = i < due_plans
            start = today - timedelta(days=30) if due else today + timedelta(days=30)
            plan_rows.append(
                (
                    plan_id,
                    f"bench-{i}",
                    "uk-hydroxocobalamin-no-neuro",
                    1,
                    "pernicious_anaemia",
                    False,
                    True,
                    start,
                    "Europe/London",
                    _phases(start),
                )
            )
            for n in range(DOSES_PER_PLAN):
                due_on = start + timedelta(days=84 * n)
                closes = datetime.combine(due_on + timedelta(days=15), datetime.min.time(), UTC)
                dose_rows.append(
                    (
                        uuid.uuid4(),
                        plan_id,
                        f"bench-{i}",
                        due_on,
                        1000.0,
                        "hydroxocobalamin",
                        "IM",
                        "maintenance",
                        closes,
                    )
                )
        # The schema is this run's own (generated, not user input).
        await conn.execute(f'set search_path = "{schema}"')
        await conn.executemany(
            "insert into plans (plan_id, patient_id, protocol_id, protocol_version,"
            " indication, neurological_involvement, lifelong, start_date, timezone, phases)"
            " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)",
            [(*row[:9], json.dumps(row[9])) for row in plan_rows],
        )
        await conn.copy_records_to_table(
            "scheduled_doses",
            schema_name=schema,
            records=dose_rows,
            columns=[
                "dose_id",
                "plan_id",
                "patient_id",
                "due_on",
                "dose_mcg",
                "product",
                "route",
                "phase",
                "closes_at",
            ],
        )
        await conn.execute("analyze scheduled_doses")
        await conn.execute("analyze plans")
    finally:
        await conn.close()


async def sweep_once(
    *, admin_dsn: str, bootstrap: str, log_dir: Path, plans: int, due_plans: int
) -> dict[str, float]:
    """Time one sweep of an adherence process over a store of the given size."""
    platform = IsolatedPlatform(
        admin_dsn=admin_dsn,
        bootstrap=bootstrap,
        log_dir=log_dir,
        extra_env={
            "adherence": {
                "ADHERENCE_SWEEP_INTERVAL_S": "86400",
                "ADHERENCE_SWEEP_BATCH_SIZE": "500",
            }
        },
    )
    await platform.start(["adherence"])
    try:
        now = datetime.now(UTC)
        await _fill(
            admin_dsn,
            platform.databases["adherence"].schema,
            plans=plans,
            due_plans=due_plans,
            now=now,
        )
        async with platform.client("adherence", "ops") as ops:
            await ops.put("/ops/clock", json={"now": now.isoformat()})
            started = time.perf_counter()
            found = (await ops.post("/ops/sweeps")).raise_for_status().json()
            elapsed = time.perf_counter() - started
        return {
            "seconds": round(elapsed, 3),
            "doses_stored": plans * DOSES_PER_PLAN,
            "doses_due": due_plans,
            "findings": float(sum(found.values())),
        }
    finally:
        platform.stop()
        await platform.drop()
