"""Detached child processes, pid files and port probes (the parts every component shares)."""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypedDict


class StackError(RuntimeError):
    """A failure the CLI reports as one readable message (no traceback)."""


def spawn_detached(
    argv: Sequence[str],
    *,
    log_file: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
) -> int:
    """Start ``argv`` in its own session with output appended to ``log_file``; return its pid.

    A new session keeps the child alive after this CLI exits and out of the terminal's ^C.
    Output goes to a file, never to a pipe: nobody reads a pipe after we exit, and a full
    pipe would block the child.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        # Logs are appended across restarts: mark where this run begins.
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        log.write(f"----- devstack {stamp}: {' '.join(argv[-3:])}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            **as_user(user),
        )
    return proc.pid


class UserArgs(TypedDict, total=False):
    """Popen keyword arguments that switch the child to another user."""

    user: int
    group: int
    extra_groups: list[int]


def as_user(user: str | None) -> UserArgs:
    """Popen arguments that drop root to ``user`` (and its group only); empty if no switch."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def write_pid(path: Path, pid: int) -> None:
    """Record the pid of a process this tool started."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{pid}\n")


def read_pid(path: Path) -> int | None:
    """The pid in ``path``, or None if the file is missing or garbled."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def is_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state letter follows the parenthesised command name, which may contain spaces.
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    """The argv of a running process (empty if it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def running_pid(pid_file: Path, marker: str) -> int | None:
    """The pid from ``pid_file`` if it is alive and its argv contains ``marker``.

    Checking the argv guards against a stale pid file whose number the kernel reused.
    """
    pid = read_pid(pid_file)
    if pid is None or not is_alive(pid):
        return None
    if not any(marker in arg for arg in cmdline(pid)):
        return None
    return pid


def terminate(pid: int, *, grace_s: float) -> bool:
    """SIGTERM ``pid`` (its process group if it leads one), SIGKILL after ``grace_s``.

    Returns True if it had to be killed.
    """
    return pid in terminate_all([pid], grace_s=grace_s)


def terminate_all(pids: list[int], *, grace_s: float) -> set[int]:
    """SIGTERM all ``pids`` at once, SIGKILL the survivors after ``grace_s``; return those.

    Children we start lead their own process group, so the signal goes to the whole group
    (a service's worker processes, if any, go down with it).
    """
    groups = {pid: _leads_group(pid) for pid in pids}

    def send(pid: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            if groups[pid]:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)

    for pid in pids:
        send(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    alive = [pid for pid in pids if is_alive(pid)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in alive if is_alive(pid)]
    for pid in alive:
        send(pid, signal.SIGKILL)
    while any(is_alive(pid) for pid in alive):
        time.sleep(0.05)
    return set(alive)


def _leads_group(pid: int) -> bool:
    """True if ``pid`` is its own process-group leader (we start children that way)."""
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False


def port_open(host: str, port: int, timeout_s: float = 0.5) -> bool:
    """True if something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a text file (empty if there is none)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def file_size(path: Path) -> int:
    """Size of ``path`` in bytes, 0 if missing (to read only what a new process appends)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def read_from(path: Path, offset: int, *, lines: int | None = None) -> str:
    """The text of ``path`` from byte ``offset`` on (only its last ``lines`` if given)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            text = handle.read().decode(errors="replace")
    except OSError:
        return ""
    return text if lines is None else "\n".join(text.splitlines()[-lines:])


def apt_install(packages: list[str], *, log: Path) -> None:
    """apt-get install ``packages`` without letting the package start its own server.

    Debian's postgresql postinst creates and starts a "main" cluster on 5432, which would take
    the port we want; a policy-rc.d that answers 101 forbids service starts during the install.
    """
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    log.parent.mkdir(parents=True, exist_ok=True)
    policy = Path("/usr/sbin/policy-rc.d")
    placed_policy = False
    if os.geteuid() == 0 and not policy.exists():
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        placed_policy = True
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        with open(log, "ab") as out:
            for argv in (
                [*sudo, "apt-get", "update", "-q"],
                [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
            ):
                done = subprocess.run(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=env,
                    check=False,
                )
                if done.returncode != 0:
                    raise StackError(
                        f"{' '.join(argv)} failed ({done.returncode}):\n{tail(log, 20)}"
                    )
    finally:
        if placed_policy:
            policy.unlink(missing_ok=True)
