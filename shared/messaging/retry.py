"""Transient failures are retried with backoff until they pass; nothing is skipped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from aiokafka.errors import KafkaError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_never
from tenacity.wait import wait_exponential_jitter

log = logging.getLogger(__name__)

T = TypeVar("T")

# SQLSTATE classes that pass by themselves: connection exceptions, insufficient resources,
# operator intervention (restart, shutdown), serialization failures and deadlocks.
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "53", "57P", "40")


def is_transient(exc: BaseException) -> bool:
    """True for failures of the database or broker that a later attempt can overcome."""
    if isinstance(exc, asyncpg.PostgresError):
        return str(getattr(exc, "sqlstate", "") or "").startswith(_TRANSIENT_SQLSTATE_PREFIXES)
    if isinstance(exc, KafkaError):
        return True
    return isinstance(
        exc,
        asyncpg.InterfaceError | OSError | ConnectionError | TimeoutError | asyncio.TimeoutError,
    )


def _log_retry(what: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "transient failure, retrying",
            extra={"operation": what, "attempt": state.attempt_number, "error": repr(exc)},
        )

    return before_sleep


async def retry_transient(
    operation: Callable[[], Awaitable[T]],
    *,
    what: str,
    initial_backoff_s: float = 0.2,
    max_backoff_s: float = 10.0,
) -> T:
    """Run ``operation`` until it succeeds, retrying transient failures forever with backoff."""
    retrying = AsyncRetrying(
        retry=retry_if_exception(is_transient),
        wait=wait_exponential_jitter(multiplier=initial_backoff_s, max=max_backoff_s),
        stop=stop_never,
        before_sleep=_log_retry(what),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await operation()
    raise AssertionError("unreachable: retrying stops only by returning or raising")
