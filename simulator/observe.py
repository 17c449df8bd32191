"""What the platform did for a run's patients, read from its topics and APIs."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import httpx

from shared.contracts import FlagReason
from shared.settings import KafkaSettings
from simulator.topics import bodies, read_topic


@dataclass
class Observed:
    """The platform's outputs for the run's patients."""

    missed: dict[str, set[UUID]] = field(default_factory=lambda: defaultdict(set))
    resolved: dict[str, set[UUID]] = field(default_factory=lambda: defaultdict(set))
    reasons: dict[str, set[FlagReason]] = field(default_factory=lambda: defaultdict(set))
    flags: int = 0
    alerts_by_team: Counter[str] = field(default_factory=Counter)
    alerts: int = 0
    dead_letters: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(topic stream, service, error kind) -> count."""


async def observe(
    kafka: KafkaSettings, *, notifier_url: str, headers: dict[str, str], patients: set[str]
) -> Observed:
    """Read misses, flags, dead letters and alerts belonging to ``patients``."""
    seen = Observed()
    topics = kafka.topics
    for body in await bodies(kafka.bootstrap_servers, topics.adherence):
        patient = body.get("patient_id")
        if patient in patients:
            target = seen.missed if body["type"] == "DoseMissed" else seen.resolved
            target[patient].add(UUID(body["dose_id"]))
    for body in await bodies(kafka.bootstrap_servers, topics.flags):
        if body.get("patient_id") in patients:
            seen.reasons[body["patient_id"]].add(FlagReason(body["reason"]))
            seen.flags += 1
    keys = {p.encode() for p in patients}
    for stream in ("doses", "labs"):
        topic = topics.dlq(getattr(topics, stream))
        for record in await read_topic(kafka.bootstrap_servers, topic):
            if record.key in keys:
                service = record.headers.get("dlq_service", "?")
                kind = record.headers.get("dlq_error_kind", "?")
                seen.dead_letters[(stream, service, kind)] += 1
    async with httpx.AsyncClient(base_url=notifier_url, headers=headers, timeout=60.0) as client:
        for alert in await _all_alerts(client):
            if alert["patient_id"] in patients:
                seen.alerts += 1
                seen.alerts_by_team[alert["team"]] += 1
    return seen


async def _all_alerts(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/alerts", params=params)).raise_for_status().json()
        alerts.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return alerts
