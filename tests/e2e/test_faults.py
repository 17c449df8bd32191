"""The fault suite's CI subset: services killed mid-stream, a second instance killed, poison."""

from __future__ import annotations

from pathlib import Path

from faults.run import CI_FAULTS, FaultRun
from simulator.config import CohortConfig


async def test_nothing_lost_or_doubled_under_the_ci_faults(tmp_path: Path) -> None:
    config = CohortConfig(
        patients=10,
        days=50,
        seed=5,
        duplicate_share=0.1,
        first_dose_before_plan_share=0.5,
        malformed_share=0.0,
    )
    report = await FaultRun(state=tmp_path, faults=CI_FAULTS, config=config).run()
    injected = {i.fault for i in report.injected}
    assert injected == set(CI_FAULTS)
    assert [c for c in report.checks if not c.ok] == []
    assert report.disagreements == []
    kinds = {c.name for c in report.checks}
    assert "poison dead-lettered with its reason" in kinds
    assert "webhook deliveries (notifier)" in kinds
