"""The four service processes: start in the background, wait for /ready, stop."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from devstack import procs
from devstack.paths import LOOPBACK, StackConfig
from devstack.procs import StackError

READY_TIMEOUT_S = 120.0
STOP_GRACE_S = 20.0


@dataclass(frozen=True)
class ServiceInfo:
    """One running service."""

    name: str
    address: str
    pid: int
    started: bool


def module(name: str) -> str:
    """The module that ``python -m`` runs for a service."""
    return f"services.{name}"


def ready_url(cfg: StackConfig, name: str) -> str:
    """The readiness endpoint of a service."""
    return f"http://{LOOPBACK}:{cfg.service_ports[name]}/ready"


def probe(url: str, timeout_s: float = 2.0) -> str:
    """The /ready answer as text: "200", "503", or why there was none."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:  # noqa: S310 (loopback http)
            return str(answer.status)
    except urllib.error.HTTPError as exc:
        return str(exc.code)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"no answer ({reason})"


def running(cfg: StackConfig, name: str) -> int | None:
    """The pid of a service this tool started, if it is still running."""
    return procs.running_pid(cfg.pid_file(name), module(name))


def service_env(cfg: StackConfig, name: str, *, dsn: str, bootstrap: str) -> dict[str, str]:
    """The environment of one service process: its own DSN, port and the broker."""
    prefix = name.upper()
    peers = {other: f"http://{LOOPBACK}:{port}" for other, port in cfg.service_ports.items()}
    return {
        # The overview dashboards find the others on the configured ports (unless told).
        "DASHBOARD_PEERS": json.dumps(peers),
        **os.environ,
        f"{prefix}_DATABASE_URL": dsn,
        f"{prefix}_HTTP_PORT": str(cfg.service_ports[name]),
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        # Logs go to a file the developer tails: do not let Python buffer them.
        "PYTHONUNBUFFERED": "1",
    }


def ensure_running(cfg: StackConfig, *, dsns: dict[str, str], bootstrap: str) -> list[ServiceInfo]:
    """Start the services that are not running and wait until every one answers /ready."""
    pids: dict[str, int] = {}
    fresh: set[str] = set()
    offsets: dict[str, int] = {}
    for name, port in cfg.service_ports.items():
        pid = running(cfg, name)
        if pid is None:
            if procs.port_open(LOOPBACK, port):
                raise StackError(
                    f"{name}: port {port} is taken by a process this tool did not start; "
                    f"stop it or set {name.upper()}_HTTP_PORT"
                )
            offsets[name] = procs.file_size(cfg.log_file(name))
            pid = procs.spawn_detached(
                [sys.executable, "-m", module(name)],
                log_file=cfg.log_file(name),
                env=service_env(cfg, name, dsn=dsns[name], bootstrap=bootstrap),
                cwd=cfg.repo,
            )
            procs.write_pid(cfg.pid_file(name), pid)
            fresh.add(name)
        pids[name] = pid
    _wait_ready(cfg, pids, offsets)
    return [
        ServiceInfo(name, f"http://{LOOPBACK}:{cfg.service_ports[name]}", pid, name in fresh)
        for name, pid in pids.items()
    ]


def _wait_ready(cfg: StackConfig, pids: dict[str, int], offsets: dict[str, int]) -> None:
    """Poll every service's /ready until all answer 200; on failure stop it and show its log."""
    waiting = dict(pids)
    deadline = time.monotonic() + READY_TIMEOUT_S
    failures: list[str] = []
    while waiting:
        for name, pid in list(waiting.items()):
            if probe(ready_url(cfg, name), timeout_s=1.0) == "200":
                del waiting[name]
            elif not procs.is_alive(pid):
                failures.append(f"{name} exited during start")
                del waiting[name]
        if waiting and time.monotonic() > deadline:
            for name, pid in waiting.items():
                failures.append(f"{name} did not answer /ready with 200 in {READY_TIMEOUT_S:.0f} s")
                # A half-started service would hold its port and confuse the next `up`.
                procs.terminate(pid, grace_s=STOP_GRACE_S)
            break
        if waiting:
            time.sleep(0.3)
    if failures:
        details = []
        for failure in failures:
            name = failure.split()[0]
            log = cfg.log_file(name)
            fresh = name in offsets
            text = procs.read_from(log, offsets[name], lines=30) if fresh else procs.tail(log, 30)
            details.append(f"--- {failure}; last lines of {log}:\n{text}")
        raise StackError("\n".join(details))


def stop_all(cfg: StackConfig) -> list[str]:
    """SIGTERM every service this tool started, SIGKILL those still alive after 20 s."""
    found = {name: running(cfg, name) for name in cfg.service_ports}
    live = {name: pid for name, pid in found.items() if pid is not None}
    killed = procs.terminate_all(list(live.values()), grace_s=STOP_GRACE_S)
    lines = []
    for name in cfg.service_ports:
        cfg.pid_file(name).unlink(missing_ok=True)
        pid = live.get(name)
        if pid is None:
            lines.append(f"{name}: not running")
        else:
            how = "killed after 20 s" if pid in killed else "stopped"
            lines.append(f"{name}: {how} (pid {pid})")
    return lines
