"""``python -m services.notifier`` configured by environment, killed and restarted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from shared.db.provision import ServiceDatabase
from shared.settings import KafkaSettings
from tests.integration.notifier.builders import SECRET, response_flagged, routing
from tests.integration.notifier.support import MailSink, WebhookReceiver, until
from tests.support.factories import patient_id
from tests.support.kafka import Publisher
from tests.support.services import ServiceProcess, bearer, free_port
from tests.support.stack import Stack, service_env


def _environment(
    *,
    stack: Stack,
    db: ServiceDatabase,
    kafka: KafkaSettings,
    port: int,
    hook: WebhookReceiver,
    mail: MailSink,
) -> dict[str, str]:
    extra = {
        "NOTIFIER_ROUTING": json.dumps(routing(hook)),
        "NOTIFIER_WEBHOOK_SECRETS": json.dumps({"default": SECRET}),
        "NOTIFIER_SMTP_HOST": "127.0.0.1",
        "NOTIFIER_SMTP_PORT": str(mail.port),
        "NOTIFIER_SMTP_SECURITY": "none",
        "NOTIFIER_WEBHOOK_TIMEOUT_S": "2",
        "NOTIFIER_SMTP_TIMEOUT_S": "2",
        "NOTIFIER_DELIVERY_LEASE_S": "5",
        "NOTIFIER_DELIVERY_POLL_INTERVAL_S": "0.1",
    }
    return service_env(
        "notifier",
        stack=stack,
        databases={"notifier": db},
        kafka=kafka,
        port=port,
        extra=extra,
    )


async def test_a_killed_process_delivers_everything_once_after_restart(
    stack: Stack,
    notifier_db: ServiceDatabase,
    kafka_settings: KafkaSettings,
    mail: MailSink,
    log_dir: Path,
) -> None:
    hook = WebhookReceiver()  # down until after the crash
    port = free_port()
    env = _environment(
        stack=stack, db=notifier_db, kafka=kafka_settings, port=port, hook=hook, mail=mail
    )
    patient, later = patient_id(), patient_id()
    process = ServiceProcess("notifier", env=env, port=port, log_dir=log_dir)
    try:
        process.start()
        await process.wait_ready()
        async with (
            Publisher(kafka_settings.bootstrap_servers) as pub,
            httpx.AsyncClient(base_url=process.url, headers=bearer(), timeout=5) as client,
        ):
            await pub.event(kafka_settings.topics.flags, response_flagged(patient))

            async def failing() -> bool:
                listed = await client.get("/alerts", params={"patient_id": patient})
                items = listed.json()["items"]
                if not items:
                    return False
                alert = (await client.get(f"/alerts/{items[0]['alert_id']}")).json()
                states = {d["channel"]: (d["status"], d["attempts"]) for d in alert["deliveries"]}
                # The email is out, so the kill can only interrupt webhook attempts (which
                # fail: nothing listens); a kill mid-send would be resent with the same id.
                return bool(states["email"][0] == "sent" and states["webhook"][1] >= 1)

            await until(failing, what="the email sent and a failed webhook attempt")
            process.kill()
            await pub.event(kafka_settings.topics.flags, response_flagged(later))
            await hook.start()
            process.start()
            await process.wait_ready()

            async def delivered() -> list[Any]:
                return hook.for_patient(later) if hook.for_patient(patient) else []

            await until(delivered, what="both webhooks after the restart", timeout=60)
            listed = (await client.get("/alerts", params={"patient_id": patient})).json()
    finally:
        process.stop()
        await hook.stop()
    assert len(listed["items"]) == 1
    assert [len(hook.for_patient(p)) for p in (patient, later)] == [1, 1]
    assert [len(mail.for_patient(p)) for p in (patient, later)] == [1, 1]
