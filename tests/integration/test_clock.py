"""A simulation can pin a service's clock and run its sweepers at that time."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from shared.runtime import ServiceRuntime
from tests.integration.probe.app import ProbeSettings, build_app
from tests.support.services import bearer, running


async def test_pinned_clock_drives_sweepers(
    probe_settings: ProbeSettings, admin_pool: asyncpg.Pool
) -> None:
    pinned = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
    async with running(build_app(probe_settings), headers=bearer("ops")) as ops:
        answer = await ops.put("/ops/clock", json={"now": pinned.isoformat()})
        assert answer.json() == {"now": "2026-01-05T18:00:00Z", "pinned": True}
        assert (await ops.post("/ops/sweeps")).json() == {"tick": 1}
        last = await admin_pool.fetchval(
            f'select at from "{probe_settings.db_schema}".ticks order by id desc limit 1'
        )
        assert last == pinned
        assert (await ops.put("/ops/clock", json={"now": None})).json()["pinned"] is False
        naive = await ops.put("/ops/clock", json={"now": "2026-01-05T18:00:00"})
        assert naive.status_code == 422
        assert (await ops.post("/ops/sweeps", headers=bearer("clinic"))).status_code == 403


async def test_a_pinned_clock_survives_a_restart(probe_settings: ProbeSettings) -> None:
    pinned = datetime(2026, 2, 1, 6, 0, tzinfo=UTC)
    async with running(build_app(probe_settings), headers=bearer("ops")) as ops:
        await ops.put("/ops/clock", json={"now": pinned.isoformat()})
    async with running(build_app(probe_settings), headers=bearer("ops")) as ops:
        assert (await ops.get("/ops/clock")).json() == {
            "now": "2026-02-01T06:00:00Z",
            "pinned": True,
        }
        await ops.put("/ops/clock", json={"now": None})
    async with running(build_app(probe_settings), headers=bearer("ops")) as ops:
        assert (await ops.get("/ops/clock")).json()["pinned"] is False


def test_the_clock_cannot_be_pinned_in_production(probe_settings: ProbeSettings) -> None:
    runtime = ServiceRuntime.__new__(ServiceRuntime)
    runtime.settings = probe_settings.model_copy(update={"environment": "production"})
    with pytest.raises(PermissionError):
        runtime.set_clock(datetime(2026, 1, 5, tzinfo=UTC))
