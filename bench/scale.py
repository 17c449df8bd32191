"""Scale: a cohort of 10,000 patients over one simulated year, end to end.

Wall time, records per second and each service's peak resident memory (VmHWM), beside the
guarantee-free ingest rate measured in the same run.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from devstack.platform import IsolatedPlatform, bearer
from simulator.config import CohortConfig
from simulator.driver import Simulation
from simulator.link import Target
from simulator.observe import observe
from simulator.report import compare, summary


def peak_rss_mib(pid: int | None) -> float | None:
    """The peak resident set size of a process, from /proc (None if it is gone)."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


async def scale(
    *, admin_dsn: str, bootstrap: str, log_dir: Path, patients: int = 10_000, days: int = 365
) -> dict[str, Any]:
    """Run the cohort through an isolated platform and measure it."""
    platform = IsolatedPlatform(admin_dsn=admin_dsn, bootstrap=bootstrap, log_dir=log_dir)
    await platform.start()
    try:
        target = Target(
            urls={n: platform.url(n) for n in platform.services},
            kafka=platform.kafka,
            headers=bearer(subject="bench"),
        )
        config = CohortConfig(patients=patients, days=days, enrolment_days=min(90, days // 2))
        ledger = await Simulation(config, target, run_tag=uuid.uuid4().hex[:6]).run()
        rss = {name: peak_rss_mib(p.pid) for name, p in platform.services.items()}
        seen = await observe(
            target.kafka,
            notifier_url=target.urls["notifier"],
            headers=target.headers,
            patients=set(ledger.patients),
        )
        figures = summary(ledger, seen, compare(ledger, seen))
        return {
            "patients": patients,
            "simulated_days": days,
            "wall_seconds": round(ledger.wall_s, 1),
            "records_published": ledger.records_sent,
            "records_per_s": round(ledger.records_sent / ledger.wall_s, 1),
            "peak_rss_mib": rss,
            "full_agreement": figures["full_agreement"],
            "disagreements": len(figures["disagreements"]),
        }
    finally:
        platform.stop()
        await platform.drop()
