"""``python -m devstack dead-letters`` against the running platform: list, replay, refusals."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from devstack.paths import REPO_ROOT
from devstack.platform import IsolatedPlatform
from devstack.procs import free_port
from shared.security import AuthSettings, Scope, issue_token
from simulator.topics import read_topic
from tests.support.factories import lab_resulted, patient_id
from tests.support.kafka import Publisher
from tests.support.polling import eventually

NO_SUCH_ID = 10**12


@dataclass(frozen=True)
class Run:
    """What the command printed and returned."""

    code: int
    out: str
    err: str


async def cli(*args: str, env: dict[str, str] | None = None) -> Run:
    """Run the command as an operator would, in a child process."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "devstack",
        "dead-letters",
        *args,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


async def test_list_and_replay_a_dead_letter_with_the_cli(platform: IsolatedPlatform) -> None:
    event = lab_resulted(patient_id(), code="2132-9", unit="furlongs")
    topic, labs_url = platform.kafka.topics.labs, platform.url("labs")
    async with Publisher(platform.kafka.bootstrap_servers) as publisher:
        await publisher.event(topic, event)

    async with platform.client("labs", "ops") as labs:

        async def letters() -> list[dict[str, Any]]:
            answer = await labs.get("/dead-letters", params={"topic": topic, "limit": 1000})
            return [d for d in answer.json() if d["event_id"] == str(event.event_id)]

        (letter,) = await eventually(letters, what="labs dead-letters the result")
        kind = letter["error_kind"]
        assert kind in {"unknown_unit", "unconvertible_unit"}

        listed = await cli("labs", "--url", labs_url, "--kind", kind, "--topic", topic)
        assert listed.code == 0, listed.err
        (row,) = [line for line in listed.out.splitlines() if line.startswith(f"{letter['id']} ")]
        cells = re.split(r"\s{2,}", row)  # id, when, where, type, kind, replays, message
        where = f"{topic}@{letter['source_partition']}:{letter['source_offset']}"
        assert cells[2:6] == [where, "LabResulted", kind, "0"]
        assert "'furlongs'" in cells[6]

        replayed = await cli(
            "labs", "--url", labs_url, "--replay", str(letter["id"]), str(NO_SUCH_ID)
        )
        assert replayed.code == 1, replayed.err  # one of the ids does not exist
        assert f"replayed to their original topics: {letter['id']}\n" in replayed.out
        assert f"missing (no such dead letter): {NO_SUCH_ID}\n" in replayed.out

        async def dead_lettered_again() -> list[dict[str, Any]]:
            found = await letters()
            return found if len(found) == 2 else []

        # The cause is not fixed: the replayed record is refused again, for the same reason.
        second, first = await eventually(dead_lettered_again, what="a second dead letter")
    assert (first["id"], first["replay_count"]) == (letter["id"], 1)
    assert (second["error_kind"], second["replay_count"]) == (kind, 0)
    assert second["source_offset"] > first["source_offset"]

    same_event = [
        record
        for record in await read_topic(platform.kafka.bootstrap_servers, topic)
        if record.headers.get("ce_id") == str(event.event_id)
    ]
    original, replay = sorted(same_event, key=lambda record: record.offset)
    assert replay.headers["b12_replay_of"] == str(letter["id"])
    assert "b12_replay_of" not in original.headers
    assert (replay.key, replay.value) == (original.key, original.value)
    assert replay.json()["event_id"] == str(event.event_id)


async def test_the_cli_says_why_it_cannot_answer(platform: IsolatedPlatform) -> None:
    labs_url = platform.url("labs")
    down = await cli("labs", "--url", f"http://127.0.0.1:{free_port()}")
    assert down.code == 1
    assert "labs is not answering at http://127.0.0.1:" in down.err

    wrong_secret = {"AUTH_JWT_SECRET": "not-the-services-secret-0123456789abcdef"}
    unsigned = await cli("labs", "--url", labs_url, env=wrong_secret)
    assert unsigned.code == 1
    assert "labs refused the token (401" in unsigned.err

    clinic = issue_token(
        AuthSettings(), subject="clinic-1", scopes=[Scope.CLINIC.value], now=datetime.now(UTC)
    )
    forbidden = await cli("labs", "--url", labs_url, "--token", clinic)
    assert forbidden.code == 1
    assert "labs refused (403: this needs the ops scope)" in forbidden.err

    listed = await cli("labs", "--url", labs_url, "--kind", "no_such_kind")
    assert (listed.code, listed.out) == (0, "labs: no dead letters matching\n")
