"""Run a service's app under uvicorn (the body of every ``python -m services.<name>``)."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from shared.settings import ServiceSettings


def serve(build_app: Callable[[], FastAPI], settings: ServiceSettings) -> None:
    """Serve until SIGTERM/SIGINT; the app's lifespan stops the broker and tasks cleanly."""
    uvicorn.run(
        build_app(),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=15,
    )
