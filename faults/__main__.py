"""``python -m faults``: the fault suite; prints what was injected and what held."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from devstack.paths import REPO_ROOT
from faults.run import ALL_FAULTS, CI_FAULTS, FaultReport, FaultRun
from simulator.config import CohortConfig


def render(report: FaultReport) -> str:
    """The report as tables."""
    lines = [f"{'fault':<28} {'sim day':>7}  outcome"]
    lines += [f"{i.fault:<28} {i.day:>7}  {i.outcome}" for i in report.injected]
    lines += ["", f"{'effect':<38} {'expected':>8} {'found':>8} {'lost':>6} {'doubled':>8}"]
    for c in report.checks:
        lines.append(f"{c.name:<38} {c.expected:>8} {c.found:>8} {c.lost:>6} {c.doubled:>8}")
    lines += ["", *(f"note: {n}" for n in report.notes)]
    if report.disagreements:
        lines += ["", "Disagreements with the ground truth:"]
        lines += [f"  - {d}" for d in report.disagreements]
    lines.append("")
    lines.append("All effects once, every poison dead-lettered: " + ("yes" if report.ok else "NO"))
    return "\n".join(lines)


def main() -> int:
    """Run the suite (all faults, or the CI subset with --quick)."""
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the subset CI runs")
    parser.add_argument("--patients", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    # The broker restart is on purpose: the clients' reconnect chatter is not news.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    patients = args.patients or (12 if args.quick else 60)
    days = args.days or (60 if args.quick else 150)
    config = CohortConfig(
        patients=patients,
        days=days,
        seed=args.seed,
        duplicate_share=0.1,
        first_dose_before_plan_share=0.5,
        malformed_share=0.0,
    )
    faults = CI_FAULTS if args.quick else ALL_FAULTS
    with tempfile.TemporaryDirectory(prefix="b12-faults-") as state:
        report = asyncio.run(FaultRun(state=Path(state), faults=faults, config=config).run())
    print(render(report))
    out = REPO_ROOT / "results" / f"faults-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(asdict(report), indent=2, default=str))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
