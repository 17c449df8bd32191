"""A small cohort through the real platform agrees with its ground truth in full."""

from __future__ import annotations

from devstack.platform import IsolatedPlatform, bearer
from simulator.config import CohortConfig
from simulator.driver import Simulation
from simulator.link import Target
from simulator.observe import observe
from simulator.report import compare


async def test_a_tiny_cohort_agrees_with_the_ground_truth(platform: IsolatedPlatform) -> None:
    config = CohortConfig(patients=16, days=130, seed=21)
    target = Target(
        urls={name: platform.url(name) for name in platform.services},
        kafka=platform.kafka,
        headers=bearer(subject="simulator"),
    )
    ledger = await Simulation(config, target, run_tag="e2e").run()
    seen = await observe(
        target.kafka,
        notifier_url=target.urls["notifier"],
        headers=target.headers,
        patients=set(ledger.patients),
    )
    agreement = compare(ledger, seen)
    assert agreement.disagreements == []
    # The cohort exercised what the comparison is about.
    assert agreement.misses[0] > 0
    assert sum(want for want, _ in agreement.by_reason.values()) > 0
    assert agreement.dead_letters[0] == agreement.dead_letters[1]
