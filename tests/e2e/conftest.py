"""The four services as real processes, on their own topics and schemas."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devstack.platform import IsolatedPlatform
from tests.support.stack import Stack


@pytest.fixture(scope="session")
async def platform(stack: Stack, log_dir: Path) -> AsyncIterator[IsolatedPlatform]:
    """Start planner, adherence, labs and notifier; stop them at the end of the session."""
    # Spans go to the services' logs, where the tracing test follows one trace across them.
    traced = {"PLANNER_OTEL_EXPORTER": "console", "ADHERENCE_OTEL_EXPORTER": "console"}
    running = IsolatedPlatform(
        admin_dsn=stack.admin_dsn,
        bootstrap=stack.kafka_bootstrap,
        log_dir=log_dir,
        extra_env={"planner": traced, "adherence": traced},
    )
    try:
        await running.start()
        yield running
    finally:
        running.stop()
        await running.drop()
