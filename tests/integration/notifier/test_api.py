"""The alerts API: staff actions, filters and pages, and clear 4xx answers to bad requests."""

from __future__ import annotations

import uuid
from typing import Any

from services.notifier.app import build_app
from shared.contracts import FlagReason
from shared.settings import KafkaSettings
from tests.integration.notifier.builders import response_flagged
from tests.integration.notifier.conftest import MakeSettings
from tests.integration.notifier.support import WebhookReceiver, alert_of, detail, until
from tests.support.factories import patient_id
from tests.support.kafka import Publisher
from tests.support.services import running


async def test_acknowledging_twice_is_harmless_and_resolving_twice_conflicts(
    make_settings: MakeSettings,
    receiver: WebhookReceiver,
    kafka_settings: KafkaSettings,
) -> None:
    patient = patient_id()
    async with (
        running(build_app(make_settings(receiver))) as client,
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        await pub.event(kafka_settings.topics.flags, response_flagged(patient))
        alert_id = (await alert_of(client, patient))["alert_id"]

        first = await client.post(
            f"/alerts/{alert_id}/acknowledge", json={"by": "nurse.ada", "note": "calling"}
        )
        second = await client.post(f"/alerts/{alert_id}/acknowledge", json={"by": "nurse.bob"})
        assert (first.status_code, second.status_code) == (200, 200)
        assert (first.json()["changed"], second.json()["changed"]) == (True, False)
        assert second.json()["action"] == "acknowledgement_repeated"
        acknowledged = await detail(client, alert_id)
        assert acknowledged["status"] == "acknowledged"
        assert acknowledged["acknowledged_by"] == "nurse.ada"
        assert acknowledged["acknowledgement_note"] == "calling"
        assert [(a["kind"], a["actor"]) for a in acknowledged["acknowledgements"]] == [
            ("acknowledged", "nurse.ada"),
            ("acknowledgement_repeated", "nurse.bob"),
        ]

        resolved = await client.post(
            f"/alerts/{alert_id}/resolve", json={"by": "dr.cho", "note": "K+ replaced"}
        )
        assert resolved.status_code == 200
        assert resolved.json()["alert"]["status"] == "resolved"
        again = await client.post(f"/alerts/{alert_id}/resolve", json={"by": "dr.cho"})
        assert again.status_code == 409
        assert "already resolved" in again.json()["detail"]
        late = await client.post(f"/alerts/{alert_id}/acknowledge", json={"by": "nurse.ada"})
        assert late.status_code == 409

        history = (await detail(client, alert_id))["history"]
        assert [(h["kind"], h["actor"]) for h in history] == [
            ("opened", "labs:labs.hypokalaemia"),
            ("acknowledged", "nurse.ada"),
            ("acknowledgement_repeated", "nurse.bob"),
            ("resolved", "dr.cho"),
        ]

        # The next flag for the same patient and reason opens a new alert.
        await pub.event(kafka_settings.topics.flags, response_flagged(patient))

        async def reopened() -> list[Any]:
            answer = await client.get("/alerts", params={"patient_id": patient, "status": "open"})
            items: list[Any] = answer.json()["items"]
            return items

        [new] = await until(reopened, what="a new open alert")
    assert new["alert_id"] != alert_id


async def test_filters_and_pages(
    make_settings: MakeSettings,
    receiver: WebhookReceiver,
    kafka_settings: KafkaSettings,
) -> None:
    patient = patient_id()
    flags = [
        response_flagged(patient, reason=FlagReason.HYPOKALAEMIA),
        response_flagged(patient, reason=FlagReason.FOLATE_DEFICIENT, severity="warning"),
        response_flagged(patient, reason=FlagReason.LOW_ADHERENCE, severity="info"),
    ]
    async with (
        running(build_app(make_settings(receiver))) as client,
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        for flag in flags:
            await pub.event(kafka_settings.topics.flags, flag)

        async def three() -> list[Any]:
            answer = await client.get("/alerts", params={"patient_id": patient})
            items: list[Any] = answer.json()["items"]
            return items if len(items) == 3 else []

        everything = await until(three, what="three alerts")
        pages: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"patient_id": patient, "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get("/alerts", params=params)).json()
            pages.append(page)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        urgent = await client.get(
            "/alerts",
            params={"patient_id": patient, "severity": "urgent", "team": "clinic-nurses"},
        )
        team = await client.get("/alerts", params={"patient_id": patient, "team": "clinic-team"})
    assert [len(p["items"]) for p in pages] == [2, 1]
    paged = [item["alert_id"] for p in pages for item in p["items"]]
    assert paged == [item["alert_id"] for item in everything]
    assert [i["reason"] for i in urgent.json()["items"]] == ["HYPOKALAEMIA"]
    assert sorted(i["severity"] for i in team.json()["items"]) == ["info", "warning"]


BAD_REQUESTS = [
    ("get", "/alerts?status=closed", None, 422, "status"),
    ("get", "/alerts?severity=critical", None, 422, "severity"),
    ("get", "/alerts?limit=0", None, 422, "limit"),
    ("get", "/alerts?limit=1000", None, 422, "limit"),
    ("get", "/alerts?patient_id=Jane%20Doe", None, 422, "patient_id"),
    ("get", "/alerts?team=Ward%201", None, 422, "team"),
    ("get", "/alerts?cursor=not-ours", None, 422, "cursor"),
    ("get", "/alerts/not-a-uuid", None, 422, "alert_id"),
    ("get", f"/alerts/{uuid.UUID(int=7)}", None, 404, "does not exist"),
    ("post", f"/alerts/{uuid.UUID(int=7)}/acknowledge", {"by": "nurse.ada"}, 404, "does not"),
    ("post", f"/alerts/{uuid.UUID(int=7)}/resolve", {"by": "nurse.ada"}, 404, "does not"),
    ("post", f"/alerts/{uuid.UUID(int=7)}/acknowledge", {}, 422, "by"),
    ("post", f"/alerts/{uuid.UUID(int=7)}/acknowledge", {"by": "  "}, 422, "by"),
    ("post", f"/alerts/{uuid.UUID(int=7)}/acknowledge", {"by": "a", "x": 1}, 422, "x"),
    ("post", f"/alerts/{uuid.UUID(int=7)}/resolve", {"by": "a", "note": "n" * 2001}, 422, "note"),
]


async def test_invalid_requests_get_a_4xx_with_a_reason(
    make_settings: MakeSettings, receiver: WebhookReceiver
) -> None:
    wrong: list[str] = []
    async with running(build_app(make_settings(receiver))) as client:
        for method, path, body, status, mentions in BAD_REQUESTS:
            answer = await client.request(method, path, json=body)
            reason = answer.json().get("detail", "")
            if answer.status_code != status or mentions not in reason:
                wrong.append(f"{method} {path}: {answer.status_code} {reason!r}")
    assert wrong == []
