"""Urgent alerts nobody acknowledges escalate at the configured time, one level at a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.notifier.app import build_app
from services.notifier.sweepers import sweep_escalations
from shared.settings import KafkaSettings
from tests.integration.notifier.builders import response_flagged
from tests.integration.notifier.conftest import MakeSettings
from tests.integration.notifier.support import MailSink, WebhookReceiver, alert_of, detail, until
from tests.support.factories import patient_id
from tests.support.kafka import Publisher
from tests.support.services import running

# Deliveries caused by a sweep are due at the sweep's time: keep it near the real clock.
STEP = timedelta(seconds=1)


async def test_an_unacknowledged_urgent_alert_escalates_exactly_on_time(
    make_settings: MakeSettings,
    receiver: WebhookReceiver,
    mail: MailSink,
    kafka_settings: KafkaSettings,
) -> None:
    patient = patient_id()
    app = build_app(make_settings(receiver, escalate_after_s=1))
    async with running(app) as client, Publisher(kafka_settings.bootstrap_servers) as pub:
        await pub.event(kafka_settings.topics.flags, response_flagged(patient))
        alert = await alert_of(client, patient)
        alert_id = alert["alert_id"]
        opened = datetime.fromisoformat(alert["opened_at"])
        assert datetime.fromisoformat(alert["next_escalation_at"]) == opened + STEP
        runtime = app.state.runtime

        # The sweeper is driven with chosen times: nothing a microsecond early, level 1 on time.
        await sweep_escalations(runtime, opened + STEP - timedelta(microseconds=1))
        assert (await detail(client, alert_id))["escalation_level"] == 0
        await sweep_escalations(runtime, opened + STEP)
        # A second sweep at the same moment finds nothing more (level 2 is due at 2 * STEP).
        await sweep_escalations(runtime, opened + STEP)
        first = await detail(client, alert_id)
        assert first["escalation_level"] == 1
        assert [(e["level"], e["recipient"]) for e in first["escalations"]] == [
            (1, "clinical-lead")
        ]
        assert [h["kind"] for h in first["history"]] == ["opened", "escalated"]

        async def lead_told() -> list[Any]:
            return receiver.for_patient(patient, path="/hooks/lead")

        [request] = await until(lead_told, what="the clinical lead's webhook")
        assert request.signature_valid()
        body = request.json()
        assert (body["event"], body["escalation_level"], body["recipient"]) == (
            "alert.escalated",
            1,
            "clinical-lead",
        )

        async def lead_mailed() -> list[Any]:
            return [to for to, _ in mail.for_patient(patient) if to == ["lead@clinic.test"]]

        await until(lead_mailed, what="the clinical lead's email")

        await sweep_escalations(runtime, opened + 2 * STEP)
        top = await detail(client, alert_id)
        assert [e["recipient"] for e in top["escalations"]] == [
            "clinical-lead",
            "on-call-haematology",
        ]
        assert top["next_escalation_at"] is None  # the top of the ladder
        await sweep_escalations(runtime, opened + 10 * STEP)
        assert len((await detail(client, alert_id))["escalations"]) == 2
        await client.post(f"/alerts/{alert_id}/resolve", json={"by": "nurse.test"})


async def test_the_running_sweeper_escalates_after_the_configured_time(
    make_settings: MakeSettings,
    receiver: WebhookReceiver,
    kafka_settings: KafkaSettings,
) -> None:
    patient = patient_id()
    settings = make_settings(receiver, escalate_after_s=1, escalation_sweep_interval_s=0.1)
    async with (
        running(build_app(settings)) as client,
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        await pub.event(kafka_settings.topics.flags, response_flagged(patient))
        alert = await alert_of(client, patient)

        async def escalated() -> dict[str, Any] | None:
            current = await detail(client, alert["alert_id"])
            return current if current["escalations"] else None

        current = await until(escalated, what="the escalation")
        await client.post(f"/alerts/{alert['alert_id']}/resolve", json={"by": "nurse.test"})
    first = current["escalations"][0]
    waited = datetime.fromisoformat(first["escalated_at"]) - datetime.fromisoformat(
        alert["opened_at"]
    )
    assert first["level"] == 1
    assert waited >= timedelta(seconds=1)


async def test_an_acknowledged_alert_does_not_escalate(
    make_settings: MakeSettings,
    receiver: WebhookReceiver,
    kafka_settings: KafkaSettings,
) -> None:
    patient = patient_id()
    app = build_app(make_settings(receiver, escalate_after_s=60))
    async with running(app) as client, Publisher(kafka_settings.bootstrap_servers) as pub:
        await pub.event(kafka_settings.topics.flags, response_flagged(patient))
        alert = await alert_of(client, patient)
        answer = await client.post(
            f"/alerts/{alert['alert_id']}/acknowledge", json={"by": "nurse.ada"}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["alert"]["next_escalation_at"] is None
        later = datetime.fromisoformat(alert["opened_at"]) + timedelta(seconds=180)
        await sweep_escalations(app.state.runtime, later)
        after = await detail(client, alert["alert_id"])
        await client.post(f"/alerts/{alert['alert_id']}/resolve", json={"by": "nurse.ada"})
    assert after["escalation_level"] == 0
    assert after["escalations"] == []
    assert receiver.for_patient(patient, path="/hooks/lead") == []
