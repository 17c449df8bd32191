"""Fixtures for the notifier: settings on this run's slice of the stack, real receivers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from services.notifier.settings import NotifierSettings
from shared.db.provision import ServiceDatabase
from shared.settings import KafkaSettings
from tests.integration.notifier.builders import SECRET, routing
from tests.integration.notifier.support import MailSink, WebhookReceiver
from tests.support.stack import Stack, provisioned, scratch_database, settings_for

MakeSettings = Callable[..., NotifierSettings]


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    """A webhook receiver, listening."""
    hook = WebhookReceiver()
    await hook.start()
    yield hook
    await hook.stop()


@pytest.fixture
def mail() -> Iterator[MailSink]:
    """An SMTP server, accepting."""
    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
async def notifier_db(
    stack: Stack, run_id: str, databases: dict[str, ServiceDatabase]
) -> AsyncIterator[ServiceDatabase]:
    """A schema and role of the test's own, so no test inherits another's pending deliveries."""
    # ``databases`` first: the run's roles exist and are dropped after ours.
    db = scratch_database(f"{run_id}_notifier_{uuid.uuid4().hex[:8]}")
    async with provisioned(stack.admin_dsn, db):
        yield db


@pytest.fixture
def make_settings(
    stack: Stack,
    notifier_db: ServiceDatabase,
    kafka_settings: KafkaSettings,
    mail: MailSink,
) -> MakeSettings:
    """Notifier settings pointed at the stack, a receiver and the mail sink."""

    def make(
        receiver: WebhookReceiver,
        *,
        escalate_after_s: float = 1800.0,
        max_attempts: int = 100,
        **overrides: Any,
    ) -> NotifierSettings:
        values: dict[str, Any] = {
            "routing": routing(
                receiver, escalate_after_s=escalate_after_s, max_attempts=max_attempts
            ),
            "webhook_secrets": {"default": SECRET},
            "smtp_host": "127.0.0.1",
            "smtp_port": mail.port,
            "smtp_security": "none",
            "webhook_timeout_s": 2.0,
            "smtp_timeout_s": 2.0,
            "delivery_lease_s": 5.0,
            "delivery_poll_interval_s": 0.1,
            # Tests drive the sweeper themselves unless they ask for a fast one.
            "escalation_sweep_interval_s": 3600.0,
        }
        values.update(overrides)
        return settings_for(
            NotifierSettings,
            name="notifier",
            stack=stack,
            databases={"notifier": notifier_db},
            kafka=kafka_settings,
            **values,
        )

    return make
