"""Fixtures for tests of one service (or the probe) against the real broker and database."""

from __future__ import annotations

import pytest

from shared.db.provision import ServiceDatabase
from shared.settings import KafkaSettings
from tests.integration.probe.app import ProbeSettings
from tests.support.stack import Stack, settings_for


@pytest.fixture
def probe_settings(
    stack: Stack, databases: dict[str, ServiceDatabase], kafka_settings: KafkaSettings
) -> ProbeSettings:
    """Probe settings on this run's topics and its own schema."""
    return settings_for(
        ProbeSettings, name="probe", stack=stack, databases=databases, kafka=kafka_settings
    )
