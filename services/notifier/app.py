"""Composition root of the notifier service."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI

from services.notifier.api import router
from services.notifier.deliveries import run_delivery_worker
from services.notifier.domain import NotifierConfig, unreachable_channels
from services.notifier.handlers import flag_handler
from services.notifier.runtime import NotifierRuntime, notifier_runtime
from services.notifier.settings import NotifierSettings
from services.notifier.sweepers import escalation_sweeper
from shared.http import create_app
from shared.runtime import ServiceRuntime, ServiceSpec
from shared.topics import Stream

MIGRATIONS = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)


def configuration_problems(settings: NotifierSettings, config: NotifierConfig) -> list[str]:
    """What the routing asks for but cannot reach (logged at start-up, not fatal)."""
    problems = unreachable_channels(config)
    for team in config.teams:
        for level in team.levels:
            for hook in level.webhooks:
                if not settings.secrets_for(hook.secret_id):
                    problems.append(f"{level.name}: webhook secret {hook.secret_id!r} is not set")
            if level.email_addresses and not settings.smtp_host:
                problems.append(f"{level.name}: email addresses but no SMTP host")
    return problems


async def _start_background(runtime: ServiceRuntime) -> None:
    notifier = notifier_runtime(runtime)
    notifier.spawn(run_delivery_worker(notifier), "delivery-worker")
    notifier.spawn(notifier.stream.run(), "alert-stream")
    # Ready means a new alert reaches live clients: wait until the listener is in place (it
    # keeps retrying by itself; until it listens the service reports not ready).
    await notifier.stream.listening.wait()
    for problem in configuration_problems(notifier.notifier_settings, notifier.config):
        log.warning("notifier configuration incomplete", extra={"problem": problem})


def build_app(settings: NotifierSettings | None = None) -> FastAPI:
    """The notifier process: flags in, alerts out over in-app, webhook and email."""
    settings = settings or NotifierSettings()
    spec = ServiceSpec(
        settings=settings,
        migrations=MIGRATIONS,
        consumes=(Stream.FLAGS,),
        handler=flag_handler,
        sweepers=(escalation_sweeper(settings.escalation_sweep_interval_s),),
        on_ready=(_start_background,),
    )
    runtime = NotifierRuntime(spec, settings=settings, config=settings.notifier_config())
    return create_app(
        spec,
        routers=[router],
        title="B12 notifier",
        description=(
            "Turns ResponseFlagged into alerts for the right team, delivers them in-app, by "
            "signed webhook and by email, and escalates urgent alerts nobody acknowledges."
        ),
        runtime=runtime,
    )
