"""A native PostgreSQL cluster under the state dir (or the server DATABASE_URL names)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from devstack import procs
from devstack.paths import LOOPBACK, StackConfig
from devstack.procs import StackError

SUPERUSER = "b12"
SUPERUSER_PASSWORD = "b12"  # noqa: S105 (a loopback-only development cluster)
DATABASE = "b12"
SYSTEM_USER = "postgres"
START_TIMEOUT_S = 60.0
# A Unix socket path may not exceed 107 bytes (sun_path); deep checkouts can pass that.
MAX_SOCKET_PATH = 100


@dataclass(frozen=True)
class PostgresInfo:
    """Where Postgres answers and whether this tool runs it."""

    admin_dsn: str
    address: str
    pid: int | None
    managed: bool


def find_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin that has initdb and postgres."""
    candidates = []
    for bin_dir in Path("/usr/lib/postgresql").glob("*/bin"):
        version = bin_dir.parent.name
        if re.fullmatch(r"\d+(\.\d+)?", version) and (bin_dir / "initdb").exists():
            candidates.append((float(version), bin_dir))
    return max(candidates)[1] if candidates else None


def ensure_binaries(cfg: StackConfig) -> Path:
    """Find the server binaries, installing Debian's postgresql package if there are none."""
    bin_dir = find_bin_dir()
    if bin_dir is not None:
        return bin_dir
    print("postgres: no server binaries under /usr/lib/postgresql; installing with apt-get")
    procs.apt_install(["postgresql"], log=cfg.log_file("apt"))
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise StackError("apt-get installed postgresql but no /usr/lib/postgresql/*/bin appeared")
    return bin_dir


def server_user() -> str | None:
    """The user to run initdb/postgres as: ``postgres`` when we are root (it refuses root)."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/var/lib/postgresql",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
        )
    return SYSTEM_USER


def _chown(path: Path, user: str | None) -> None:
    """Give ``path`` to the server user (no-op when we are that user)."""
    if user is not None:
        shutil.chown(path, user=user, group=user)


def _user_can_write(path: Path, user: str | None) -> bool:
    """True if ``user`` can reach and write ``path`` (a checkout under /root is not reachable)."""
    if user is None:
        return os.access(path, os.W_OK | os.X_OK)
    probe = subprocess.run(
        ["test", "-w", str(path), "-a", "-x", str(path)],
        check=False,
        **procs.as_user(user),
    )
    return probe.returncode == 0


def pg_home(cfg: StackConfig, user: str | None) -> Path:
    """The directory that holds the cluster (data/ and socket/), owned by the server user.

    It is ``<state>/postgres`` unless the server user cannot reach the state dir (for example
    a clone under /root, mode 700); then it lives under /var/lib/b12-platform and
    ``<state>/postgres`` is a symlink to it.
    """
    home = cfg.state / "postgres"
    if home.is_symlink():
        target = home.resolve()
        target.mkdir(parents=True, exist_ok=True)
        _chown(target, user)
        return target
    home.mkdir(parents=True, exist_ok=True)
    _chown(home, user)
    if _user_can_write(home, user):
        return home
    fallback = (
        Path("/var/lib/b12-platform")
        / hashlib.sha1(str(cfg.state).encode(), usedforsecurity=False).hexdigest()[:12]
    )
    if fallback.exists() and _postmaster(fallback / "data") is None:
        shutil.rmtree(fallback)  # left over from a deleted state dir: start afresh like it
    fallback.mkdir(parents=True, exist_ok=True)
    fallback.parent.chmod(0o755)
    _chown(fallback, user)
    home.rmdir()
    home.symlink_to(fallback, target_is_directory=True)
    return fallback


def _socket_dir(home: Path, port: int, user: str | None) -> Path:
    """Where the server puts its Unix socket (inside the state dir unless the path is too long)."""
    sock = home / "socket"
    if len(str(sock / f".s.PGSQL.{port}")) > MAX_SOCKET_PATH:
        digest = hashlib.sha1(str(home).encode(), usedforsecurity=False).hexdigest()[:12]
        sock = Path("/tmp") / f"b12-pg-{digest}"
    sock.mkdir(mode=0o700, exist_ok=True)
    _chown(sock, user)
    return sock


def _postmaster(data: Path) -> tuple[int, int] | None:
    """(pid, port) of the server running on ``data``, from its postmaster.pid, if alive."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    if not procs.is_alive(pid) or not any("postgres" in a for a in procs.cmdline(pid)):
        return None
    return pid, port


def _data_dir(cfg: StackConfig) -> Path:
    """The data directory (resolving the symlink fallback) without creating anything."""
    return (cfg.state / "postgres").resolve() / "data"


def running(cfg: StackConfig) -> tuple[int, int] | None:
    """(pid, port) of our own cluster if it is running."""
    return _postmaster(_data_dir(cfg))


def ensure_up(cfg: StackConfig) -> PostgresInfo:
    """Make Postgres reachable: DATABASE_URL's server, our running cluster, or a new one."""
    if cfg.external_database_url:
        asyncio.run(_wait_connectable(cfg.external_database_url, timeout_s=30))
        return PostgresInfo(
            cfg.external_database_url, _address(cfg.external_database_url), None, managed=False
        )
    found = running(cfg)
    if found is not None:
        pid, port = found
        dsn = f"postgresql://{SUPERUSER}:{SUPERUSER_PASSWORD}@{LOOPBACK}:{port}/{DATABASE}"
        asyncio.run(_wait_connectable(dsn, timeout_s=START_TIMEOUT_S))
        procs.write_pid(cfg.pid_file("postgres"), pid)
        return PostgresInfo(dsn, f"{LOOPBACK}:{port}", pid, managed=True)
    if procs.port_open(LOOPBACK, cfg.pg_port):
        raise StackError(
            f"port {cfg.pg_port} is already taken by a server this tool did not start.\n"
            "Point the stack at that server with DATABASE_URL=postgresql://USER:PASSWORD@"
            f"127.0.0.1:{cfg.pg_port}/DB (a role that may create roles and schemas), "
            "or choose another port for our own cluster with PGPORT=5433."
        )
    return _start(cfg)


def _start(cfg: StackConfig) -> PostgresInfo:
    """initdb if needed, start the server, wait for it and create the database."""
    bin_dir = ensure_binaries(cfg)
    user = server_user()
    home = pg_home(cfg, user)
    data = home / "data"
    if not (data / "PG_VERSION").exists():
        _initdb(bin_dir, data, user)
    sock = _socket_dir(home, cfg.pg_port, user)
    log = cfg.log_file("postgres")
    offset = procs.file_size(log)
    argv = [
        str(bin_dir / "postgres"),
        "-D",
        str(data),
        "-c",
        f"listen_addresses={LOOPBACK}",
        "-c",
        f"port={cfg.pg_port}",
        "-c",
        f"unix_socket_directories={sock}",
        # Four services x pool + tests with several instances of a service.
        "-c",
        "max_connections=300",
    ]
    pid = procs.spawn_detached(
        argv, log_file=log, user=user, cwd=home, env={**os.environ, "LC_ALL": "C"}
    )
    procs.write_pid(cfg.pid_file("postgres"), pid)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not procs.port_open(LOOPBACK, cfg.pg_port):
        if not procs.is_alive(pid):
            text = procs.read_from(log, offset, lines=40)
            raise StackError(f"postgres exited during start:\n{text}")
        if time.monotonic() > deadline:
            raise StackError(f"postgres did not open port {cfg.pg_port}:\n{procs.tail(log)}")
        time.sleep(0.1)
    asyncio.run(_create_database(cfg.pg_port))
    return PostgresInfo(cfg.native_admin_dsn, f"{LOOPBACK}:{cfg.pg_port}", pid, managed=True)


def _initdb(bin_dir: Path, data: Path, user: str | None) -> None:
    """Create the cluster: superuser b12, scram passwords, UTF-8 (fsync stays on)."""
    data.parent.mkdir(parents=True, exist_ok=True)
    if data.exists():
        shutil.rmtree(data)  # a half-made directory from an interrupted initdb
    pwfile = data.parent / "initdb.pw"
    pwfile.write_text(SUPERUSER_PASSWORD + "\n")
    pwfile.chmod(0o600)
    _chown(pwfile, user)
    try:
        done = subprocess.run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=data.parent,
            env={**os.environ, "LC_ALL": "C"},
            **procs.as_user(user),
        )
    finally:
        pwfile.unlink(missing_ok=True)
    if done.returncode != 0:
        raise StackError(f"initdb failed:\n{done.stdout}\n{done.stderr}")


async def _wait_connectable(dsn: str, *, timeout_s: float) -> None:
    """Retry connecting until the server accepts us (it refuses while starting up)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            if time.monotonic() > deadline:
                raise StackError(f"cannot connect to {_address(dsn)}: {exc}") from exc
            await asyncio.sleep(0.2)
            continue
        await conn.close()
        return


async def _create_database(port: int) -> None:
    """Create database b12 once the fresh server accepts connections."""
    maintenance = f"postgresql://{SUPERUSER}:{SUPERUSER_PASSWORD}@{LOOPBACK}:{port}/postgres"
    await _wait_connectable(maintenance, timeout_s=START_TIMEOUT_S)
    conn = await asyncpg.connect(maintenance)
    try:
        if not await conn.fetchval("select 1 from pg_database where datname = $1", DATABASE):
            await conn.execute(f'create database "{DATABASE}"')
    finally:
        await conn.close()


def stop(cfg: StackConfig) -> str:
    """Stop our cluster with ``pg_ctl stop -m fast``; say what happened."""
    pid_file = cfg.pid_file("postgres")
    found = running(cfg)
    recorded = procs.read_pid(pid_file)
    if found is None or recorded != found[0]:
        # Only a cluster this tool started (its pid file) is ours to stop.
        pid_file.unlink(missing_ok=True)
        return "postgres: not running"
    pid = found[0]
    bin_dir = find_bin_dir()
    data = _data_dir(cfg)
    if bin_dir is not None:
        subprocess.run(
            [str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w", "-t", "60"],
            capture_output=True,
            check=False,
            **procs.as_user(server_user()),
        )
    if procs.is_alive(pid):
        procs.terminate(pid, grace_s=30)
    pid_file.unlink(missing_ok=True)
    return f"postgres: stopped (pid {pid})"


def _address(dsn: str) -> str:
    """host:port of a DSN, for messages (never the password)."""
    from urllib.parse import urlsplit

    parts = urlsplit(dsn)
    return f"{parts.hostname}:{parts.port or 5432}"


def current_admin_dsn(cfg: StackConfig) -> str:
    """The admin DSN as things stand: DATABASE_URL, else our cluster's actual port."""
    if cfg.external_database_url:
        return cfg.external_database_url
    found = running(cfg)
    port = found[1] if found else cfg.pg_port
    return f"postgresql://{SUPERUSER}:{SUPERUSER_PASSWORD}@{LOOPBACK}:{port}/{DATABASE}"


def provision_all(admin_dsn: str) -> dict[str, str]:
    """Create every service's role and schema; service name -> its own DSN."""
    from shared.db.provision import default_databases, provision

    async def run() -> dict[str, str]:
        conn = await asyncpg.connect(admin_dsn)
        try:
            dsns = {}
            for db in default_databases():
                await provision(conn, db)
                dsns[db.role] = db.dsn(admin_dsn)
            return dsns
        finally:
            await conn.close()

    return asyncio.run(run())


def service_dsns(admin_dsn: str) -> dict[str, str]:
    """Each service's DSN (without touching the database)."""
    from shared.db.provision import default_databases

    return {db.role: db.dsn(admin_dsn) for db in default_databases()}
