"""``python -m simulator``: run a synthetic cohort through the platform and check the truth."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from pathlib import Path

from tqdm import tqdm

from devstack.paths import REPO_ROOT, SERVICE_PORTS
from devstack.platform import IsolatedPlatform, bearer
from shared.settings import KafkaSettings
from simulator.config import CohortConfig
from simulator.driver import Simulation
from simulator.link import Target
from simulator.observe import observe
from simulator.report import compare, render, summary


def running_platform() -> Target:
    """The platform ``make up`` runs (ports and topics from the same environment)."""
    urls = {
        name: f"http://127.0.0.1:{os.environ.get(f'{name.upper()}_HTTP_PORT', port)}"
        for name, port in SERVICE_PORTS.items()
    }
    return Target(
        urls=urls,
        kafka=KafkaSettings(),
        headers=bearer("clinic", "staff", "ops", subject="simulator"),
    )


async def simulate(config: CohortConfig, target: Target, *, progress: bool) -> dict[str, object]:
    """Run the cohort, then compare what the platform did with the ground truth."""
    run_tag = uuid.uuid4().hex[:6]
    bar = tqdm(total=config.days, unit="day", desc="simulating", disable=not progress)

    def advance(done: int, total: int) -> None:
        bar.update(done - bar.n)

    ledger = await Simulation(config, target, run_tag=run_tag, on_day=advance).run()
    bar.close()
    seen = await observe(
        target.kafka,
        notifier_url=target.urls["notifier"],
        headers=target.headers,
        patients=set(ledger.patients),
    )
    return summary(ledger, seen, compare(ledger, seen))


async def _isolated(config: CohortConfig, *, progress: bool) -> dict[str, object]:
    platform = IsolatedPlatform(
        admin_dsn=os.environ["DATABASE_URL"],
        bootstrap=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        log_dir=REPO_ROOT / ".state" / "logs" / "simulator",
    )
    await platform.start()
    try:
        target = Target(
            urls={n: platform.url(n) for n in platform.services},
            kafka=platform.kafka,
            headers=bearer(subject="simulator"),
        )
        return await simulate(config, target, progress=progress)
    finally:
        platform.stop()
        await platform.drop()


def main() -> int:
    """Parse arguments, run, print the summary; exit 1 unless the truth agrees in full."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--days", type=int, default=182, help="simulated days (182 = 6 months)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="start a platform of its own (topics and schemas) instead of using "
        "the one `make up` runs; needs DATABASE_URL",
    )
    parser.add_argument("--json", type=Path, help="also write the summary as JSON here")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    config = CohortConfig(patients=args.patients, days=args.days, seed=args.seed)
    progress = not args.no_progress and sys.stderr.isatty()
    if args.isolated:
        figures = asyncio.run(_isolated(config, progress=progress))
    else:
        figures = asyncio.run(simulate(config, running_platform(), progress=progress))
    print(render(figures))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0 if figures["full_agreement"] else 1


if __name__ == "__main__":
    sys.exit(main())
