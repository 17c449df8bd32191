"""Flags become alerts, delivered by signed webhook and email, once, whatever the receiver does."""

from __future__ import annotations

import uuid
from typing import Any

from services.notifier.app import build_app
from shared.contracts import FlagReason
from shared.settings import KafkaSettings
from tests.integration.notifier.builders import EVIDENCE_MARKER, response_flagged
from tests.integration.notifier.conftest import MakeSettings
from tests.integration.notifier.support import MailSink, WebhookReceiver, alert_of, detail, until
from tests.support.factories import patient_id
from tests.support.kafka import Publisher
from tests.support.services import running


def _by_channel(alert: dict[str, Any], channel: str) -> list[dict[str, Any]]:
    return [d for d in alert["deliveries"] if d["channel"] == channel]


async def test_a_flag_becomes_an_alert_delivered_signed_and_by_email(
    make_settings: MakeSettings,
    receiver: WebhookReceiver,
    mail: MailSink,
    kafka_settings: KafkaSettings,
) -> None:
    patient = patient_id()
    flag = response_flagged(patient)
    async with (
        running(build_app(make_settings(receiver))) as client,
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        await pub.event(kafka_settings.topics.flags, flag)
        alert = await alert_of(client, patient)
        assert (alert["team"], alert["severity"], alert["status"]) == (
            "clinic-nurses",
            "urgent",
            "open",
        )
        assert alert["occurrences"][0]["flag"]["evidence"]["items"][0]["value"] == EVIDENCE_MARKER

        async def webhook() -> list[Any]:
            return receiver.for_patient(patient)

        [request] = await until(webhook, what="the webhook")
        assert request.path == "/hooks/nurses"
        assert request.signature_valid()
        body = request.json()
        assert body["alert_id"] == alert["alert_id"]
        assert body["event"] == "alert.opened"
        assert request.headers["x-b12-delivery"] == body["delivery_id"]
        assert body["link"].endswith(f"/alerts/{alert['alert_id']}")
        assert str(EVIDENCE_MARKER) not in request.body.decode()

        async def emails() -> list[Any]:
            return mail.for_patient(patient)

        [(to, message)] = await until(emails, what="the email")
        assert to == ["nurses@clinic.test"]
        text = message.get_payload()
        assert alert["alert_id"] in text
        assert "Recheck potassium today." in text
        assert str(EVIDENCE_MARKER) not in text

        async def all_sent() -> dict[str, Any] | None:
            current = await detail(client, alert["alert_id"])
            states = {d["status"] for d in current["deliveries"]}
            return current if states == {"sent"} else None

        done = await until(all_sent, what="every delivery marked sent")
    assert {d["channel"] for d in done["deliveries"]} == {"in_app", "webhook", "email"}
    [hook] = _by_channel(done, "webhook")
    assert hook["attempts"] == 1
    assert hook["log"][0]["outcome"] == "sent"
    assert [h["kind"] for h in done["history"]] == ["opened"]


async def test_a_second_flag_for_the_same_patient_and_reason_is_an_occurrence(
    make_settings: MakeSettings,
    receiver: WebhookReceiver,
    kafka_settings: KafkaSettings,
) -> None:
    patient = patient_id()
    first, second = response_flagged(patient), response_flagged(patient)
    # The same flag re-issued by its producer under a new event id counts once.
    reissued = first.model_copy(update={"event_id": uuid.uuid4()})
    other_reason = response_flagged(patient, reason=FlagReason.FOLATE_DEFICIENT)
    async with (
        running(build_app(make_settings(receiver))) as client,
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        for event in (first, first, reissued, second, other_reason):
            await pub.event(kafka_settings.topics.flags, event)

        async def both_alerts() -> list[Any]:
            answer = await client.get("/alerts", params={"patient_id": patient})
            items = answer.json()["items"]
            counts = sorted((i["reason"], i["occurrence_count"]) for i in items)
            return items if ("HYPOKALAEMIA", 2) in counts and len(items) == 2 else []

        await until(both_alerts, what="one alert with two occurrences, one other alert")
        alert = await alert_of(client, patient, reason="HYPOKALAEMIA")
        assert [o["flag"]["flag_id"] for o in alert["occurrences"]] == [
            str(first.flag_id),
            str(second.flag_id),
        ]
        assert [h["kind"] for h in alert["history"]] == ["opened", "occurrence_recorded"]

        # A repeat at the same severity is counted, not sent again: one webhook for the alert.
        marker = patient_id()
        await pub.event(kafka_settings.topics.flags, response_flagged(marker))

        async def marker_seen() -> list[Any]:
            return receiver.for_patient(marker)

        await until(marker_seen, what="the marker's webhook")
    sent = [r.json()["alert_id"] for r in receiver.for_patient(patient)]
    assert sent.count(alert["alert_id"]) == 1


async def test_receiver_down_then_up_gets_the_alert_exactly_once(
    make_settings: MakeSettings,
    kafka_settings: KafkaSettings,
) -> None:
    down = WebhookReceiver()  # its port is chosen, nobody listens yet
    patient = patient_id()
    async with (
        running(build_app(make_settings(down))) as client,
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        await pub.event(kafka_settings.topics.flags, response_flagged(patient))
        alert = await alert_of(client, patient)

        async def failing() -> dict[str, Any] | None:
            [hook] = _by_channel(await detail(client, alert["alert_id"]), "webhook")
            # The log, not the attempt count: an attempt is counted when it is leased.
            return hook if len(hook["log"]) >= 2 and hook["status"] == "pending" else None

        hook = await until(failing, what="two failed webhook attempts")
        assert hook["last_error"]
        assert hook["next_attempt_at"]
        assert [entry["outcome"] for entry in hook["log"]][:2] == ["retry", "retry"]

        await down.start()
        try:

            async def sent() -> dict[str, Any] | None:
                [hook] = _by_channel(await detail(client, alert["alert_id"]), "webhook")
                return hook if hook["status"] == "sent" else None

            hook = await until(sent, what="the webhook delivered after the outage")
            # Later rounds must not send it again: wait until a later alert went through.
            marker = patient_id()
            await pub.event(kafka_settings.topics.flags, response_flagged(marker))

            async def marker_seen() -> list[Any]:
                return down.for_patient(marker)

            await until(marker_seen, what="the marker's webhook")
            [request] = down.for_patient(patient)
            assert request.signature_valid()
            assert request.headers["x-b12-delivery"] == hook["delivery_id"]
        finally:
            await down.stop()


async def test_a_delivery_failing_every_attempt_is_dead_and_shown(
    make_settings: MakeSettings,
    receiver: WebhookReceiver,
    kafka_settings: KafkaSettings,
) -> None:
    patient = patient_id()
    receiver.failing_for.add(patient)
    async with (
        running(build_app(make_settings(receiver, max_attempts=2))) as client,
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        await pub.event(kafka_settings.topics.flags, response_flagged(patient))
        alert = await alert_of(client, patient)

        async def dead() -> dict[str, Any] | None:
            [hook] = _by_channel(await detail(client, alert["alert_id"]), "webhook")
            return hook if hook["status"] == "dead" else None

        hook = await until(dead, what="the webhook delivery dead")
    assert hook["attempts"] == 2
    assert hook["dead_at"]
    assert "HTTP 503" in hook["last_error"]
    assert [entry["outcome"] for entry in hook["log"]] == ["retry", "dead"]
    assert [r.status for r in receiver.for_patient(patient)] == [503, 503]


async def test_a_more_severe_repeat_raises_the_alert_and_tells_the_new_team(
    make_settings: MakeSettings,
    receiver: WebhookReceiver,
    mail: MailSink,
    kafka_settings: KafkaSettings,
) -> None:
    patient = patient_id()
    warning = response_flagged(patient, severity="warning")
    urgent = response_flagged(patient, severity="urgent", recommendation="Admit today.")
    async with (
        running(build_app(make_settings(receiver))) as client,
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        await pub.event(kafka_settings.topics.flags, warning)
        first = await alert_of(client, patient)
        assert (first["team"], first["severity"]) == ("clinic-team", "warning")
        await pub.event(kafka_settings.topics.flags, urgent)

        async def raised() -> dict[str, Any] | None:
            current = await detail(client, first["alert_id"])
            return current if current["severity"] == "urgent" else None

        alert = await until(raised, what="the alert raised to urgent")

        async def webhook() -> list[Any]:
            return receiver.for_patient(patient)

        [request] = await until(webhook, what="the nurses' webhook")
    assert (alert["team"], alert["occurrence_count"]) == ("clinic-nurses", 2)
    assert alert["recommendation"] == "Admit today."
    assert [h["kind"] for h in alert["history"]] == ["opened", "severity_raised"]
    assert request.json()["event"] == "alert.severity_raised"
    assert request.json()["alert_id"] == first["alert_id"]
