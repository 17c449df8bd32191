"""A single-node KRaft Kafka broker assembled from Maven Central jars, run from the state dir."""

from __future__ import annotations

import base64
import fcntl
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from devstack import procs, topics
from devstack.paths import LOOPBACK, StackConfig
from devstack.procs import StackError

READY_TIMEOUT_S = 120.0
STOP_GRACE_S = 30.0
STARTED_LINE = "Kafka Server started"
MAIN_CLASS = "kafka.Kafka"

POM = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by devstack: the runtime classpath of a Kafka broker, collected with
     mvn dependency:copy-dependencies. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.b12platform</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>{version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>{version}</version>
    </dependency>
    <!-- The SLF4J 1.x binding the release tarball ships but the POM omits: without it the
         broker logs nothing. -->
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>2.24.3</version>
    </dependency>
    <dependency>
      <groupId>commons-beanutils</groupId>
      <artifactId>commons-beanutils</artifactId>
      <version>1.11.0</version>
    </dependency>
  </dependencies>
</project>
"""

LOG4J2 = """\
# Written by devstack. Console only: stdout is redirected to the stack's kafka.log.
status = warn
name = devstack-kafka
# Kafka logs its own shutdown from a JVM shutdown hook; log4j's hook would race it and drop
# the last lines (seen: the log stopped mid-shutdown), so Kafka's are the only ones.
shutdownHook = disable
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
# The request and state-change loggers are chatty at INFO and tell a developer nothing.
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
# Every client and the server dump all their settings (~1,500 lines a start); server.properties
# already says what was configured.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
"""


@dataclass(frozen=True)
class KafkaInfo:
    """Where the broker answers and whether this tool runs it."""

    bootstrap: str
    pid: int | None
    managed: bool


@dataclass(frozen=True)
class Launch:
    """A broker process that was started (or found) but maybe is not ready yet."""

    pid: int
    log_offset: int
    fresh: bool


def home(cfg: StackConfig) -> Path:
    """The broker's state: config/, data/, cluster.id, controller.port."""
    return cfg.state / "kafka"


def jars_home(cfg: StackConfig) -> Path:
    """The cache directory of one Kafka version (outside the repo: kept across clones)."""
    return cfg.cache / f"kafka-{cfg.kafka_version}"


def ensure_jars(cfg: StackConfig) -> Path:
    """The directory of broker jars, fetched once with Maven into the cache."""
    jars = jars_home(cfg)
    lib = jars / "lib"
    marker = lib / ".complete"
    if marker.exists():
        return lib
    jars.mkdir(parents=True, exist_ok=True)
    # Two `up`s at once (or two clones sharing the cache) must not fill the same directory.
    with open(jars / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return lib
        mvn = _tool("mvn", "maven", cfg)
        (jars / "pom.xml").write_text(POM.format(version=cfg.kafka_version))
        partial = jars / "lib.partial"
        shutil.rmtree(partial, ignore_errors=True)
        log = cfg.log_file("maven")
        log.parent.mkdir(parents=True, exist_ok=True)
        print(f"kafka: fetching Kafka {cfg.kafka_version} jars with Maven into {lib}")
        started = time.monotonic()
        with open(log, "ab") as out:
            done = subprocess.run(
                [
                    mvn,
                    "-q",
                    "-B",
                    "dependency:copy-dependencies",
                    f"-DoutputDirectory={partial}",
                    "-DincludeScope=runtime",
                ],
                cwd=jars,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode != 0 or not (partial / f"kafka_2.13-{cfg.kafka_version}.jar").exists():
            raise StackError(f"maven could not fetch the Kafka jars:\n{procs.tail(log, 30)}")
        shutil.rmtree(lib, ignore_errors=True)
        partial.rename(lib)
        marker.write_text(f"{len(list(lib.glob('*.jar')))} jars\n")
        print(f"kafka: {marker.read_text().strip()} in {time.monotonic() - started:.1f} s")
    return lib


def _tool(name: str, package: str, cfg: StackConfig) -> str:
    """The path of a command-line tool, apt-installing its package if it is missing."""
    found = shutil.which(name)
    if found is None:
        print(f"kafka: {name} not found; installing {package} with apt-get")
        procs.apt_install([package], log=cfg.log_file("apt"))
        found = shutil.which(name)
    if found is None:
        raise StackError(f"{name} is needed to run Kafka and could not be installed")
    return found


def _java(cfg: StackConfig) -> str:
    """The java launcher: $JAVA_HOME/bin/java, else the one on PATH (installed if missing)."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    return _tool("java", "default-jre-headless", cfg)


def _cluster_id(state: Path) -> str:
    """The cluster id kept in the state dir (16 random bytes, URL-safe base64, no '-' first)."""
    path = state / "cluster.id"
    if path.exists():
        return path.read_text().strip()
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            break
    path.write_text(candidate + "\n")
    return candidate


def _controller_port(state: Path) -> int:
    """The controller port, chosen free once and kept: the formatted voter set records it."""
    path = state / "controller.port"
    if path.exists():
        return int(path.read_text())
    port = int(os.environ.get("KAFKA_CONTROLLER_PORT") or procs.free_port(LOOPBACK))
    path.write_text(f"{port}\n")
    return port


def write_config(cfg: StackConfig) -> Path:
    """Write log4j2.properties and server.properties; return the server.properties path."""
    state = home(cfg)
    conf = state / "config"
    conf.mkdir(parents=True, exist_ok=True)
    (state / "data").mkdir(parents=True, exist_ok=True)
    controller = _controller_port(state)
    broker = f"PLAINTEXT://{LOOPBACK}:{cfg.kafka_port}"
    ctrl = f"CONTROLLER://{LOOPBACK}:{controller}"
    (conf / "log4j2.properties").write_text(LOG4J2)
    server = conf / "server.properties"
    server.write_text(
        "# Written by devstack on every start: one combined broker + controller on loopback.\n"
        "process.roles=broker,controller\n"
        "node.id=1\n"
        f"controller.quorum.bootstrap.servers={LOOPBACK}:{controller}\n"
        f"listeners={broker},{ctrl}\n"
        f"advertised.listeners={broker},{ctrl}\n"
        "inter.broker.listener.name=PLAINTEXT\n"
        "controller.listener.names=CONTROLLER\n"
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n"
        f"log.dirs={state / 'data'}\n"
        f"num.partitions={cfg.kafka_partitions}\n"
        # Topics are created explicitly (devstack topics, test fixtures) with co-partitioning;
        # a typo must fail instead of silently creating a differently partitioned topic.
        "auto.create.topics.enable=false\n"
        "default.replication.factor=1\n"
        "min.insync.replicas=1\n"
        "offsets.topic.replication.factor=1\n"
        "transaction.state.log.replication.factor=1\n"
        "transaction.state.log.min.isr=1\n"
        "share.coordinator.state.topic.replication.factor=1\n"
        "share.coordinator.state.topic.min.isr=1\n"
        # A single consumer must not wait 3 s for companions that never come.
        "group.initial.rebalance.delay.ms=0\n"
    )
    return server


def _format(cfg: StackConfig, java: str, lib: Path, server: Path) -> None:
    """Format the storage once (a formatted directory has meta.properties)."""
    data = home(cfg) / "data"
    if (data / "meta.properties").exists():
        return
    cluster_id = _cluster_id(home(cfg))
    log4j = server.parent / "log4j2.properties"
    done = subprocess.run(
        [
            java,
            "-Xmx256M",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            f"{lib}/*",
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "-t",
            cluster_id,
            "-c",
            str(server),
        ],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise StackError(f"kafka storage format failed:\n{done.stdout}\n{done.stderr}")


def running(cfg: StackConfig) -> int | None:
    """The pid of our broker if it is running."""
    return procs.running_pid(cfg.pid_file("kafka"), MAIN_CLASS)


def launch(cfg: StackConfig) -> Launch:
    """Start the broker in the background (or find it running); do not wait for it."""
    log = cfg.log_file("kafka")
    pid = running(cfg)
    if pid is not None:
        return Launch(pid=pid, log_offset=0, fresh=False)
    if procs.port_open(LOOPBACK, cfg.kafka_port):
        raise StackError(
            f"port {cfg.kafka_port} is already taken by something this tool did not start.\n"
            "Use that broker with KAFKA_BOOTSTRAP_SERVERS=host:port, or run ours on another "
            "port with KAFKA_PORT=9094."
        )
    lib = ensure_jars(cfg)
    java = _java(cfg)
    server = write_config(cfg)
    _format(cfg, java, lib, server)
    controller = _controller_port(home(cfg))
    if procs.port_open(LOOPBACK, controller):
        raise StackError(
            f"the Kafka controller port {controller} (kept in {home(cfg)}/controller.port) is "
            f"taken by another program; stop it or delete {home(cfg)} to start afresh."
        )
    offset = procs.file_size(log)
    argv = [
        java,
        "-Xms512M",
        "-Xmx1G",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={server.parent / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={cfg.logs / 'kafka'}",
        "-cp",
        f"{lib}/*",
        MAIN_CLASS,
        str(server),
    ]
    pid = procs.spawn_detached(argv, log_file=log, cwd=home(cfg))
    procs.write_pid(cfg.pid_file("kafka"), pid)
    return Launch(pid=pid, log_offset=offset, fresh=True)


def wait_ready(cfg: StackConfig, started: Launch, timeout_s: float = READY_TIMEOUT_S) -> KafkaInfo:
    """Wait until the port accepts, the log says started and a metadata request succeeds."""
    log = cfg.log_file("kafka")
    deadline = time.monotonic() + timeout_s
    while True:
        if not procs.is_alive(started.pid):
            text = procs.read_from(log, started.log_offset, lines=40)
            raise StackError(f"kafka exited during start; its log:\n{text}")
        # A broker we found running already logged its start line in an earlier session.
        logged = not started.fresh or STARTED_LINE in procs.read_from(log, started.log_offset)
        if logged and procs.port_open(LOOPBACK, cfg.kafka_port):
            break
        if time.monotonic() > deadline:
            raise StackError(f"kafka was not ready after {timeout_s:.0f} s:\n{procs.tail(log)}")
        time.sleep(0.2)
    bootstrap = f"{LOOPBACK}:{cfg.kafka_port}"
    topics.wait_for_metadata(bootstrap, timeout_s=max(5.0, deadline - time.monotonic()))
    return KafkaInfo(bootstrap=bootstrap, pid=started.pid, managed=True)


def ensure_up(cfg: StackConfig) -> KafkaInfo:
    """Make a broker reachable: KAFKA_BOOTSTRAP_SERVERS's, our running one, or a new one."""
    if cfg.external_kafka:
        topics.wait_for_metadata(cfg.external_kafka, timeout_s=60)
        return KafkaInfo(bootstrap=cfg.external_kafka, pid=None, managed=False)
    return wait_ready(cfg, launch(cfg))


def stop(cfg: StackConfig) -> str:
    """SIGTERM our broker (clean shutdown), SIGKILL after 30 s; say what happened."""
    pid_file = cfg.pid_file("kafka")
    pid = running(cfg)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return "kafka: not running"
    started = time.monotonic()
    killed = procs.terminate(pid, grace_s=STOP_GRACE_S)
    pid_file.unlink(missing_ok=True)
    how = "killed after 30 s" if killed else f"stopped in {time.monotonic() - started:.1f} s"
    return f"kafka: {how} (pid {pid})"
