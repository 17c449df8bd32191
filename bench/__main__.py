"""``python -m bench``: the four benchmarks, each beside a baseline from the same run.

It reports; it does not pass or fail. Results are printed as a table and written as JSON under
``results/`` (gitignored). Needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL (``make bench`` sets
them from the native stack).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform as host
import time
from datetime import UTC, datetime
from typing import Any

from bench.ingest import ingest
from bench.latency import latency
from bench.scale import scale
from bench.sweep import sweep_once
from devstack.paths import REPO_ROOT

ALL = ("ingest", "latency", "sweep", "scale")
SIZES = {
    "full": {
        "ingest_patients": 1000,
        "latency_count": 400,
        "sweep_plans": 100_000,
        "scale_patients": 10_000,
        "scale_days": 365,
    },
    "quick": {
        "ingest_patients": 150,
        "latency_count": 60,
        "sweep_plans": 10_000,
        "scale_patients": 200,
        "scale_days": 90,
    },
}


def _machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": host.python_version(), "system": host.platform()}


async def run(which: list[str], size: dict[str, int]) -> dict[str, Any]:
    """Run the chosen benchmarks in order; each starts and drops its own isolated platform."""
    admin_dsn = os.environ["DATABASE_URL"]
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    log_dir = REPO_ROOT / ".state" / "logs" / "bench"
    results: dict[str, Any] = {"machine": _machine(), "started_at": datetime.now(UTC).isoformat()}
    if "ingest" in which:
        results["ingest"] = await ingest(
            admin_dsn=admin_dsn,
            bootstrap=bootstrap,
            log_dir=log_dir,
            patients=size["ingest_patients"],
        )
    if "latency" in which:
        results["latency"] = await latency(
            admin_dsn=admin_dsn, bootstrap=bootstrap, log_dir=log_dir, count=size["latency_count"]
        )
    if "sweep" in which:
        plans = size["sweep_plans"]
        results["sweep"] = {
            "platform": await sweep_once(
                admin_dsn=admin_dsn,
                bootstrap=bootstrap,
                log_dir=log_dir,
                plans=plans,
                due_plans=1000,
            ),
            "baseline": await sweep_once(
                admin_dsn=admin_dsn,
                bootstrap=bootstrap,
                log_dir=log_dir,
                plans=1000,
                due_plans=1000,
            ),
        }
    if "scale" in which:
        results["scale"] = await scale(
            admin_dsn=admin_dsn,
            bootstrap=bootstrap,
            log_dir=log_dir,
            patients=size["scale_patients"],
            days=size["scale_days"],
        )
    return results


def table(results: dict[str, Any]) -> str:
    """The figures, each beside its baseline and their ratio."""
    rows = [("figure", "platform", "baseline", "ratio")]
    if "ingest" in results:
        r = results["ingest"]
        base = r["baseline_events_per_s"]
        for name in ("adherence", "labs"):
            rate = r[f"{name}_events_per_s"]
            rows.append((f"ingest {name} (events/s)", f"{rate}", f"{base}", f"{rate / base:.2f}"))
    if "latency" in results:
        r = results["latency"]
        for q in ("p50_ms", "p95_ms", "p99_ms"):
            mine, raw = r["platform"][q], r["baseline"][q]
            rows.append(
                (
                    f"lab -> alert {q[:3]} (ms) at {r['rate_per_s']}/s",
                    f"{mine}",
                    f"{raw}",
                    f"{mine / raw:.1f}" if raw else "-",
                )
            )
    if "sweep" in results:
        r = results["sweep"]
        mine, base = r["platform"], r["baseline"]
        rows.append(
            (
                f"sweep, {mine['doses_stored']:,} stored / {mine['doses_due']:,} due (s)",
                f"{mine['seconds']}",
                f"{base['seconds']} ({base['doses_stored']:,} stored)",
                f"{mine['seconds'] / base['seconds']:.2f}",
            )
        )
    if "scale" in results and "ingest" in results:
        r = results["scale"]
        base = results["ingest"]["baseline_events_per_s"]
        rows.append(
            (
                f"scale {r['patients']:,} patients x {r['simulated_days']} days (rec/s)",
                f"{r['records_per_s']}",
                f"{base}",
                f"{r['records_per_s'] / base:.3f}",
            )
        )
        rows.append(("scale wall time (s)", f"{r['wall_seconds']}", "-", "-"))
        for name, mib in r["peak_rss_mib"].items():
            rows.append((f"scale peak RSS {name} (MiB)", f"{mib}", "-", "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def main() -> None:
    """Parse arguments, run, print and save."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("only", nargs="*", help=f"run only these, of {', '.join(ALL)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    unknown = set(args.only) - set(ALL)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))} (choose from {ALL})")
    started = time.perf_counter()
    results = asyncio.run(run(args.only or list(ALL), SIZES["quick" if args.quick else "full"]))
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    out = REPO_ROOT / "results" / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(table(results))
    print(f"\n{json.dumps(results.get('machine'))}; written to {out.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
