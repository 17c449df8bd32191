"""Where the stack keeps its state, caches and logs, and the ports it uses (all from env)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Service name -> default HTTP port; the order is the start order and the status order.
SERVICE_PORTS: dict[str, int] = {"planner": 8001, "adherence": 8002, "labs": 8003, "notifier": 8004}

LOOPBACK = "127.0.0.1"


def _env_int(name: str, default: int) -> int:
    """An integer from the environment, with a readable error instead of a traceback."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"devstack: {name}={raw!r} is not an integer") from None


@dataclass(frozen=True)
class StackConfig:
    """Everything the stack commands need to know, read once from the environment."""

    repo: Path
    state: Path
    cache: Path
    pg_port: int
    kafka_port: int
    kafka_version: str
    kafka_partitions: int
    topic_prefix: str
    external_database_url: str | None
    external_kafka: str | None
    service_ports: dict[str, int]

    @classmethod
    def from_env(cls) -> StackConfig:
        """Build the configuration from the process environment."""
        state = Path(os.environ.get("B12_STATE_DIR") or REPO_ROOT / ".state").resolve()
        cache = (
            Path(os.environ.get("B12_CACHE_DIR") or Path.home() / ".cache" / "b12-platform")
            .expanduser()
            .resolve()
        )
        pg_port = _env_int("PGPORT", 5432)
        kafka_port = _env_int("KAFKA_PORT", 9092)
        ports = {
            name: _env_int(f"{name.upper()}_HTTP_PORT", default)
            for name, default in SERVICE_PORTS.items()
        }
        return cls(
            repo=REPO_ROOT,
            state=state,
            cache=cache,
            pg_port=pg_port,
            kafka_port=kafka_port,
            kafka_version=os.environ.get("KAFKA_VERSION") or "4.1.1",
            kafka_partitions=_env_int("KAFKA_PARTITIONS", 3),
            topic_prefix=os.environ.get("KAFKA_TOPIC_PREFIX", "treatment."),
            external_database_url=_external_database_url(pg_port),
            external_kafka=_external_kafka(kafka_port),
            service_ports=ports,
        )

    @property
    def logs(self) -> Path:
        """Directory of every component's log file."""
        return self.state / "logs"

    @property
    def run(self) -> Path:
        """Directory of pid files."""
        return self.state / "run"

    @property
    def native_admin_dsn(self) -> str:
        """The superuser DSN of the cluster this tool runs itself."""
        return native_admin_dsn(self.pg_port)

    @property
    def admin_dsn(self) -> str:
        """The DSN used to provision: DATABASE_URL if given, else the native cluster."""
        return self.external_database_url or self.native_admin_dsn

    @property
    def kafka_bootstrap(self) -> str:
        """Bootstrap servers: KAFKA_BOOTSTRAP_SERVERS if given, else the native broker."""
        return self.external_kafka or f"{LOOPBACK}:{self.kafka_port}"

    def log_file(self, component: str) -> Path:
        """The log file of one component (postgres, kafka, maven or a service)."""
        return self.logs / f"{component}.log"

    def pid_file(self, component: str) -> Path:
        """The pid file of one component this tool started."""
        return self.run / f"{component}.pid"


def native_admin_dsn(port: int) -> str:
    """The superuser DSN of a native cluster on ``port``."""
    return f"postgresql://b12:b12@{LOOPBACK}:{port}/b12"


def _external_database_url(pg_port: int) -> str | None:
    """DATABASE_URL unless it merely points back at our own native cluster.

    ``eval "$(python -m devstack env)"`` exports the native DSN; a later ``up`` in that shell
    must still manage the native cluster rather than treat it as someone else's server.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url or url == native_admin_dsn(pg_port):
        return None
    return url


def _external_kafka(kafka_port: int) -> str | None:
    """KAFKA_BOOTSTRAP_SERVERS unless it names our own native broker (see above)."""
    servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    native = {f"{host}:{kafka_port}" for host in (LOOPBACK, "localhost")}
    if not servers or servers in native:
        return None
    return servers
