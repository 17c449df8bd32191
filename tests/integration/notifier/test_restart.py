"""Stopping and starting the notifier loses nothing and doubles nothing."""

from __future__ import annotations

import uuid
from typing import Any

from services.notifier.app import build_app
from shared.settings import KafkaSettings
from tests.integration.notifier.builders import response_flagged
from tests.integration.notifier.conftest import MakeSettings
from tests.integration.notifier.support import MailSink, WebhookReceiver, alert_of, detail, until
from tests.support.factories import patient_id
from tests.support.kafka import Publisher
from tests.support.services import running


async def test_a_restart_during_an_outage_loses_and_duplicates_nothing(
    make_settings: MakeSettings,
    mail: MailSink,
    kafka_settings: KafkaSettings,
) -> None:
    hook = WebhookReceiver()  # down until the notifier has been restarted
    settings = make_settings(hook)
    first, second = patient_id(), patient_id()
    a1 = response_flagged(first)
    async with Publisher(kafka_settings.bootstrap_servers) as pub:
        async with running(build_app(settings)) as client:
            await pub.event(kafka_settings.topics.flags, a1)
            alert_id = (await alert_of(client, first))["alert_id"]

            async def failing() -> bool:
                current = await detail(client, alert_id)
                return any(
                    bool(d["log"]) and d["status"] == "pending"
                    for d in current["deliveries"]
                    if d["channel"] == "webhook"
                )

            await until(failing, what="a failed webhook attempt")

        # While the notifier is down: a repeat of the first patient's problem (a new flag),
        # the very same event again, the same flag re-issued, and a new patient's flag.
        a2 = response_flagged(first)
        for event in (a2, a1, a1.model_copy(update={"event_id": uuid.uuid4()})):
            await pub.event(kafka_settings.topics.flags, event)
        await pub.event(kafka_settings.topics.flags, response_flagged(second))
        await hook.start()
        try:
            async with running(build_app(settings)) as client:

                async def both() -> tuple[dict[str, Any], dict[str, Any]] | None:
                    one = await alert_of(client, first)
                    if one["occurrence_count"] < 2:
                        return None
                    return one, await alert_of(client, second)

                one, two = await until(both, what="the repeat and the new patient")

                async def delivered() -> bool:
                    states = [
                        d["status"]
                        for alert in (one, two)
                        for d in (await detail(client, alert["alert_id"]))["deliveries"]
                    ]
                    return set(states) == {"sent"}

                await until(delivered, what="every delivery sent")
                # A marker after everything: later rounds must not send anything twice.
                marker = patient_id()
                await pub.event(kafka_settings.topics.flags, response_flagged(marker))

                async def marker_seen() -> list[Any]:
                    return hook.for_patient(marker)

                await until(marker_seen, what="the marker's webhook")
                final = await detail(client, one["alert_id"])
        finally:
            await hook.stop()
    assert final["occurrence_count"] == 2
    assert [o["flag"]["flag_id"] for o in final["occurrences"]] == [
        str(a1.flag_id),
        str(a2.flag_id),
    ]
    assert [len(hook.for_patient(p)) for p in (first, second)] == [1, 1]
    assert [len(mail.for_patient(p)) for p in (first, second)] == [1, 1]
    assert all(r.signature_valid() for r in hook.received)
