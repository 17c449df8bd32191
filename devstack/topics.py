"""Create the platform's topics (co-partitioned, DLQs included) with aiokafka's admin client."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from devstack.procs import StackError
from shared.topics import Topics

CLIENT_ID = "b12-devstack"


async def _admin(bootstrap: str, *, timeout_s: float) -> AIOKafkaAdminClient:
    """A started admin client, retrying while the broker is still coming up."""
    deadline = time.monotonic() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap, client_id=CLIENT_ID, request_timeout_ms=10_000
        )
        try:
            await admin.start()
            await admin.list_topics()
            return admin
        except (KafkaError, OSError) as exc:
            await admin.close()
            if time.monotonic() > deadline:
                raise StackError(f"kafka at {bootstrap} does not answer: {exc!r}") from exc
            await asyncio.sleep(0.5)


async def _wait_for_metadata(bootstrap: str, timeout_s: float) -> list[str]:
    admin = await _admin(bootstrap, timeout_s=timeout_s)
    try:
        return list(await admin.list_topics())
    finally:
        await admin.close()


def wait_for_metadata(bootstrap: str, *, timeout_s: float) -> list[str]:
    """Block until a metadata request succeeds; return the topic names."""
    return asyncio.run(_wait_for_metadata(bootstrap, timeout_s))


def _partitions(described: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Topic -> (partitions, partitions that have a leader), from a metadata answer."""
    counts: dict[str, tuple[int, int]] = {}
    for topic in described:
        if topic.get("error_code", 0) == 0:
            parts = topic["partitions"]
            led = sum(1 for part in parts if part.get("leader", -1) >= 0)
            counts[topic["topic"]] = (len(parts), led)
    return counts


async def _ensure_topics(
    bootstrap: str, names: list[str], partitions: int, timeout_s: float
) -> dict[str, str]:
    admin = await _admin(bootstrap, timeout_s=timeout_s)
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in names if name not in existing]
        outcome = {name: "exists" for name in names if name in existing}
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(name, num_partitions=partitions, replication_factor=1)
                    for name in missing
                ],
                timeout_ms=30_000,
            )
            for name, code, *rest in response.topic_errors:
                if code == 0:
                    outcome[name] = "created"
                elif code == TopicAlreadyExistsError.errno:
                    outcome[name] = "exists"  # another `topics` run won the race
                else:
                    raise StackError(f"creating {name} failed: error {code} {rest}")
        # CreateTopics answers before every partition has a leader, and after a broker restart
        # leaders are re-elected a moment after "Kafka Server started": producers in the very
        # next test would see LEADER_NOT_AVAILABLE, so wait until every partition has one.
        deadline = time.monotonic() + timeout_s
        while True:
            counts = _partitions(await admin.describe_topics(names))
            if all(
                name in counts and counts[name][0] >= 1 and counts[name][1] == counts[name][0]
                for name in names
            ):
                break
            if time.monotonic() > deadline:
                raise StackError(f"topics without leaders after {timeout_s:.0f} s: {counts}")
            await asyncio.sleep(0.2)
        await _warm_up_group_coordinator(admin, deadline)
        for name in names:
            if counts[name][0] != partitions:
                outcome[name] += f" (WARNING: {counts[name][0]} partitions, not {partitions})"
        return outcome
    finally:
        await admin.close()


async def _warm_up_group_coordinator(admin: AIOKafkaAdminClient, deadline: float) -> None:
    """Have the broker create __consumer_offsets now rather than at the first group join.

    On a fresh broker the first consumer otherwise meets GroupCoordinatorNotAvailable and
    retries while the 50 partitions are created, which makes a test's first join slow.
    """
    while True:
        try:
            await admin.find_coordinator(f"{CLIENT_ID}.warm-up")
            return
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


def ensure_topics(
    bootstrap: str, *, prefix: str, partitions: int, timeout_s: float = 60.0
) -> dict[str, str]:
    """Create every platform topic that is missing; topic -> "created" or "exists"."""
    names = Topics(prefix=prefix).all()
    return asyncio.run(_ensure_topics(bootstrap, names, partitions, timeout_s))
