"""Structured JSON logs: one object per line, with service and correlation id, no PHI."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

# Free-text fields that may carry clinical detail: never logged, whatever a caller passes.
REDACTED_FIELDS = frozenset({"recommendation", "note", "notes", "status_reason", "evidence"})


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self._service
        record.correlation_id = correlation_id.get()
        for name in REDACTED_FIELDS & record.__dict__.keys():
            setattr(record, name, "[redacted]")
        return True


def configure_logging(service: str, level: str = "INFO", *, stream: Any = None) -> None:
    """Route every logger to one JSON handler on stderr (JSON escaping defeats forged lines)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=True,
        )
    )
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Per-batch chatter from the libraries is noise at INFO.
    for noisy in ("aiokafka", "faststream", "b12.broker", "uvicorn.access", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
