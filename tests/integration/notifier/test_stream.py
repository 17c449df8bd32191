"""A live client hears new alerts, and what staff do to them, over server-sent events."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx

from services.notifier.app import build_app
from shared.contracts import FlagReason
from shared.db.provision import ServiceDatabase
from shared.settings import KafkaSettings
from tests.integration.notifier.builders import response_flagged
from tests.integration.notifier.conftest import MakeSettings
from tests.integration.notifier.support import WebhookReceiver, serving, sse_events
from tests.support.factories import patient_id
from tests.support.kafka import Publisher
from tests.support.services import bearer, running


async def test_an_sse_client_receives_a_new_alert_and_its_acknowledgement(
    make_settings: MakeSettings,
    receiver: WebhookReceiver,
    kafka_settings: KafkaSettings,
) -> None:
    patient = patient_id()
    app = build_app(make_settings(receiver))
    async with (
        running(app) as client,
        serving(app) as url,
        Publisher(kafka_settings.bootstrap_servers) as pub,
        httpx.AsyncClient(
            base_url=url, headers=bearer(), timeout=httpx.Timeout(5.0, read=None)
        ) as http,
        http.stream("GET", "/alerts/stream", params={"team": "clinic-nurses"}) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = sse_events(stream)

        async def next_for_patient() -> dict[str, Any]:
            async for event in events:
                if event.get("data", {}).get("patient_id") == patient:
                    return event
            raise AssertionError("the stream ended")

        # Subscribed before anything happens: the first thing sent is a comment.
        assert (await asyncio.wait_for(anext(events), 10)) == {"comment": "subscribed"}
        # A warning goes to another team: the filter keeps it off this stream.
        await pub.event(kafka_settings.topics.flags, response_flagged(patient, severity="warning"))
        flag = response_flagged(patient, reason=FlagReason.FOLATE_DEFICIENT)
        await pub.event(kafka_settings.topics.flags, flag)
        opened = await asyncio.wait_for(next_for_patient(), 30)
        assert opened["event"] == "alert.opened"
        data = opened["data"]
        assert (data["team"], data["severity"], data["reason"]) == (
            "clinic-nurses",
            "urgent",
            "FOLATE_DEFICIENT",
        )
        assert opened["id"] == data["delivery_id"]
        assert "evidence" not in data

        answer = await client.post(
            f"/alerts/{data['alert_id']}/acknowledge", json={"by": "nurse.ada", "note": "on it"}
        )
        assert answer.status_code == 200
        acknowledged = await asyncio.wait_for(next_for_patient(), 30)
    assert acknowledged["event"] == "alert.acknowledged"
    assert acknowledged["data"]["by"] == "nurse.ada"
    assert "on it" not in str(acknowledged)


async def test_the_stream_survives_a_lost_listener_connection_and_says_resync(
    make_settings: MakeSettings,
    receiver: WebhookReceiver,
    kafka_settings: KafkaSettings,
    notifier_db: ServiceDatabase,
    admin_pool: asyncpg.Pool,
) -> None:
    patient = patient_id()
    app = build_app(make_settings(receiver))
    async with (
        running(app),
        serving(app) as url,
        Publisher(kafka_settings.bootstrap_servers) as pub,
        httpx.AsyncClient(
            base_url=url, headers=bearer(), timeout=httpx.Timeout(5.0, read=None)
        ) as http,
        http.stream("GET", "/alerts/stream") as stream,
    ):
        events = sse_events(stream)
        assert (await asyncio.wait_for(anext(events), 10)) == {"comment": "subscribed"}
        killed = await admin_pool.fetchval(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity"
            " where usename = $1 and application_name = 'notifier-stream'",
            notifier_db.role,
        )
        assert killed == 1

        async def next_event() -> dict[str, Any]:
            async for event in events:
                if "event" in event:
                    return event
            raise AssertionError("the stream ended")

        resync = await asyncio.wait_for(next_event(), 30)
        assert resync["event"] == "resync"
        await pub.event(kafka_settings.topics.flags, response_flagged(patient))
        opened = await asyncio.wait_for(next_event(), 30)
    assert (opened["event"], opened["data"]["patient_id"]) == ("alert.opened", patient)
