"""Command line: ``python -m devstack up|down|status|logs|...|publish|dead-letters``."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

from devstack import kafka, postgres, procs, services, topics
from devstack.deadletters import dead_letters
from devstack.paths import LOOPBACK, StackConfig
from devstack.procs import StackError
from devstack.publish import publish
from shared.security import AuthSettings, Scope, issue_token

DASHBOARD_TOKEN_TTL_S = 8 * 3600
USAGE = """\
usage: python -m devstack COMMAND [COMMAND ...]
       python -m devstack up [--no-services]
       python -m devstack logs [NAME] [-n N] [-f]
       python -m devstack dead-letters SERVICE [--kind K] [--topic T] [--limit N]
       python -m devstack dead-letters SERVICE --replay ID [ID ...]

commands:
  up            start Postgres, Kafka, topics and the four services (idempotent)
  down          stop what `up` started (services, Kafka, Postgres)
  status        one line per component; exit 1 unless everything is up
  logs          tail the log files (all, or one component)
  postgres-up   start Postgres and provision the service roles and schemas
  kafka-up      start the Kafka broker
  topics        create the platform's topics
  env           print export lines that point a shell or test run at this stack
  publish       validate a JSON event and publish it: publish doses event.json
  dead-letters  list a running service's dead letters, or replay them (--help for more)
"""


def _elapsed(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"


def cmd_postgres_up(cfg: StackConfig) -> postgres.PostgresInfo:
    """Start (or find) Postgres and provision the service roles and schemas."""
    started = time.monotonic()
    info = postgres.ensure_up(cfg)
    postgres.provision_all(info.admin_dsn)
    where = "ours" if info.managed else "DATABASE_URL"
    print(f"postgres: ready at {info.address} ({where}), roles provisioned, {_elapsed(started)}")
    return info


def cmd_kafka_up(cfg: StackConfig) -> kafka.KafkaInfo:
    """Start (or find) the Kafka broker and wait until it serves metadata."""
    started = time.monotonic()
    info = kafka.ensure_up(cfg)
    where = "ours" if info.managed else "KAFKA_BOOTSTRAP_SERVERS"
    print(f"kafka: ready at {info.bootstrap} ({where}), {_elapsed(started)}")
    return info


def cmd_topics(cfg: StackConfig) -> None:
    """Create every platform topic that is missing."""
    started = time.monotonic()
    outcome = topics.ensure_topics(
        cfg.kafka_bootstrap, prefix=cfg.topic_prefix, partitions=cfg.kafka_partitions
    )
    created = sorted(name for name, what in outcome.items() if what == "created")
    print(
        f"topics: {len(outcome)} topics with prefix {cfg.topic_prefix!r} "
        f"({len(created)} created, {cfg.kafka_partitions} partitions), {_elapsed(started)}"
    )
    for name, what in sorted(outcome.items()):
        if "WARNING" in what:
            print(f"  {name}: {what}")


def cmd_up(cfg: StackConfig, *, with_services: bool = True) -> None:
    """Bring the whole stack up; print where everything runs."""
    started = time.monotonic()
    # Kafka's JVM takes longest: launch it first and set Postgres up while it boots.
    launch = None if cfg.external_kafka else kafka.launch(cfg)
    pg = cmd_postgres_up(cfg)
    if launch is None:
        broker = cmd_kafka_up(cfg)
    else:
        broker = kafka.wait_ready(cfg, launch)
        print(
            f"kafka: ready at {broker.bootstrap} (pid {broker.pid}), {_elapsed(started)} "
            "since `up` began"
        )
    cmd_topics(cfg)
    rows: list[tuple[str, ...]] = [
        ("postgres", pg.address, _pid(pg.pid), _log_or(cfg, "postgres", pg.managed)),
        ("kafka", broker.bootstrap, _pid(broker.pid), _log_or(cfg, "kafka", broker.managed)),
    ]
    if with_services:
        svc_started = time.monotonic()
        dsns = postgres.service_dsns(pg.admin_dsn)
        for svc in services.ensure_running(cfg, dsns=dsns, bootstrap=broker.bootstrap):
            rows.append((svc.name, svc.address, str(svc.pid), str(cfg.log_file(svc.name))))
        print(f"services: all ready, {_elapsed(svc_started)}")
    print(f"\nstack up in {_elapsed(started)}\n")
    _table(("component", "address", "pid", "log"), rows)
    if with_services:
        print(f"\nOverview dashboard: {overview_url(cfg)}")
        print("  (the #token fragment, an ops token for the alerts panel, never reaches a server)")


def overview_url(cfg: StackConfig) -> str:
    """The planner's overview dashboard, with an ops token in the fragment for its alerts panel.

    Browsers never send the fragment: the page moves the token into the tab's sessionStorage.
    """
    token = issue_token(
        AuthSettings(),
        subject="ops-dashboard",
        scopes=[Scope.OPS.value],
        now=datetime.now(UTC),
        ttl_s=DASHBOARD_TOKEN_TTL_S,
    )
    return f"http://{LOOPBACK}:{cfg.service_ports['planner']}/dashboard#token={token}"


def _pid(pid: int | None) -> str:
    return "-" if pid is None else str(pid)


def _log_or(cfg: StackConfig, name: str, managed: bool) -> str:
    return str(cfg.log_file(name)) if managed else "(external)"


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """Print rows as aligned columns."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


def cmd_down(cfg: StackConfig) -> None:
    """Stop services, then Kafka, then Postgres (only what this tool started)."""
    for line in services.stop_all(cfg):
        print(line)
    print(kafka.stop(cfg))
    print(postgres.stop(cfg))


def cmd_status(cfg: StackConfig) -> int:
    """Print one line per component; 0 if everything is up, else 1."""
    rows: list[tuple[str, ...]] = []
    healthy = True

    if cfg.external_database_url:
        up = _reachable(cfg.external_database_url)
        rows.append(("postgres", "external" if up else "unreachable", "-", "DATABASE_URL", ""))
    else:
        found = postgres.running(cfg)
        up = found is not None and procs.port_open(LOOPBACK, found[1])
        rows.append(
            (
                "postgres",
                "running" if up else "stopped",
                _pid(found and found[0]),
                f"{LOOPBACK}:{found[1] if found else cfg.pg_port}",
                "",
            )
        )
    healthy &= up

    if cfg.external_kafka:
        try:
            topics.wait_for_metadata(cfg.external_kafka, timeout_s=3)
            up = True
        except StackError:
            up = False
        rows.append(("kafka", "external" if up else "unreachable", "-", cfg.external_kafka, ""))
    else:
        pid = kafka.running(cfg)
        up = pid is not None and procs.port_open(LOOPBACK, cfg.kafka_port)
        rows.append(
            ("kafka", "running" if up else "stopped", _pid(pid), f"{LOOPBACK}:{cfg.kafka_port}", "")
        )
    healthy &= up

    for name, port in cfg.service_ports.items():
        pid = services.running(cfg, name)
        answer = services.probe(services.ready_url(cfg, name)) if pid else ""
        up = pid is not None and answer == "200"
        rows.append(
            (
                name,
                "running" if pid else "stopped",
                _pid(pid),
                f"http://{LOOPBACK}:{port}",
                f"/ready {answer}" if answer else "",
            )
        )
        healthy &= up
    _table(("component", "state", "pid", "address", "ready"), rows)
    return 0 if healthy else 1


def _reachable(dsn: str) -> bool:
    """True if a Postgres server answers at ``dsn`` within a few seconds."""
    from urllib.parse import urlsplit

    parts = urlsplit(dsn)
    return procs.port_open(parts.hostname or LOOPBACK, parts.port or 5432, timeout_s=3)


def cmd_env(cfg: StackConfig) -> None:
    """Print export lines for KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL (admin DSN)."""
    print(f"export KAFKA_BOOTSTRAP_SERVERS={shlex.quote(cfg.kafka_bootstrap)}")
    print(f"export DATABASE_URL={shlex.quote(postgres.current_admin_dsn(cfg))}")


def cmd_logs(cfg: StackConfig, argv: list[str]) -> int:
    """Tail one component's log file, or all of them (``tail -F`` when following)."""
    parser = argparse.ArgumentParser(prog="python -m devstack logs")
    parser.add_argument("name", nargs="?", help="postgres, kafka, maven or a service")
    parser.add_argument("-n", type=int, default=50, help="lines to show (default 50)")
    parser.add_argument("-f", action="store_true", help="keep following")
    args = parser.parse_args(argv)
    if args.name:
        files = [cfg.log_file(args.name)]
        if not files[0].exists():
            known = sorted(path.stem for path in cfg.logs.glob("*.log"))
            print(f"no log {files[0]} (known: {', '.join(known) or 'none yet'})", file=sys.stderr)
            return 1
    else:
        order = ["postgres", "kafka", *cfg.service_ports]
        files = [cfg.log_file(name) for name in order if cfg.log_file(name).exists()]
        if not files:
            print(f"no log files yet under {cfg.logs}", file=sys.stderr)
            return 1
    argv_tail = ["tail", "-n", str(args.n), *(["-F"] if args.f else []), *map(str, files)]
    sys.stdout.flush()
    os.execvp("tail", argv_tail)  # noqa: S606 (replaces this process: nothing to clean up)


# Commands that start or stop nothing: they need no lock and create nothing in the state dir.
UNLOCKED = {"status", "env", "topics"}


@contextlib.contextmanager
def _exclusive(cfg: StackConfig, commands: list[str]) -> Iterator[None]:
    """Hold the state dir's lock while starting or stopping things.

    Two `up`s at once (a terminal and a test session's fixture) would otherwise both find
    nothing running and race for the same ports and data directories.
    """
    if set(commands) <= UNLOCKED:
        yield
        return
    cfg.state.mkdir(parents=True, exist_ok=True)
    with open(cfg.state / "devstack.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


SIMPLE: dict[str, Callable[[StackConfig], object]] = {
    "up": cmd_up,
    "down": cmd_down,
    "status": cmd_status,
    "postgres-up": cmd_postgres_up,
    "kafka-up": cmd_kafka_up,
    "topics": cmd_topics,
    "env": cmd_env,
}


def main(argv: list[str] | None = None) -> int:
    """Run the commands named on the command line, in order."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0 if args else 2
    cfg = StackConfig.from_env()
    try:
        if args[0] == "logs":
            return cmd_logs(cfg, args[1:])
        if args[0] == "dead-letters":
            return dead_letters(args[1:], ports=cfg.service_ports)
        if args[0] == "publish":
            return publish(args[1:], bootstrap=cfg.kafka_bootstrap, prefix=cfg.topic_prefix)
        if args[0] == "up" and args[1:] == ["--no-services"]:
            with _exclusive(cfg, args[:1]):
                cmd_up(cfg, with_services=False)
            return 0
        unknown = [arg for arg in args if arg not in SIMPLE]
        if unknown:
            message = f"devstack: unknown command {' '.join(unknown)}\n\n{USAGE}"
            print(message, file=sys.stderr, end="")
            return 2
        code = 0
        with _exclusive(cfg, args):
            for command in args:
                result = SIMPLE[command](cfg)
                if isinstance(result, int) and not isinstance(result, bool):
                    code = max(code, result)
        return code
    except StackError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
