"""The delivery worker: lease due deliveries, send them outside any transaction, record outcomes.

Exactly once to the receiver, from our side:

- A lease (``FOR UPDATE SKIP LOCKED``, committed at once) moves the row's due time to the end
  of the lease, so no other worker of any instance sees it until then; every send is cut off
  by a timeout well inside the lease (settings enforce it), so two sends of one delivery
  never overlap.
- Only the holder of the lease token can mark the row; a delivery marked sent is never leased
  again.
- The one gap is a crash between the receiver's 2xx and our commit: the lease expires and the
  same bytes go out again with the same ``X-B12-Delivery`` id (and email Message-ID), which
  receivers use to deduplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

import httpx

from services.notifier import delivery_store
from services.notifier.channels import Sender, SendFailure
from services.notifier.channels.smtp import EmailSender
from services.notifier.channels.webhook import WebhookSender
from services.notifier.delivery_store import LeasedDelivery
from services.notifier.domain import Dead, after_failure
from services.notifier.runtime import NotifierRuntime
from shared.messaging.retry import is_transient, retry_transient

log = logging.getLogger(__name__)


class DeliveryWorker:
    """Sends what is due, one lease round at a time."""

    def __init__(self, notifier: NotifierRuntime, *, senders: Mapping[str, Sender]) -> None:
        self._notifier = notifier
        self._settings = notifier.notifier_settings
        self._senders = senders

    async def run_once(self, now: datetime) -> int:
        """Lease what is due at ``now``, send it, record each outcome; returns how many."""
        settings = self._settings
        token = uuid.uuid4()
        async with self._notifier.pool.acquire() as conn, conn.transaction():
            leased = await delivery_store.lease_due(
                conn,
                now=now,
                limit=settings.delivery_concurrency,
                lease=timedelta(seconds=settings.delivery_lease_s),
                token=token,
            )
        if not leased:
            return 0
        finished: set[uuid.UUID] = set()
        try:
            results = await asyncio.gather(
                *(self._deliver(d, finished) for d in leased), return_exceptions=True
            )
        except asyncio.CancelledError:
            # Stopping: hand back what was not recorded so a restart retries it at once
            # (a send cut off mid-flight may have arrived: the receiver dedupes on its id).
            unfinished = [d for d in leased if d.delivery_id not in finished]
            try:
                async with self._notifier.pool.acquire() as conn:
                    await delivery_store.release(conn, unfinished, now=self._notifier.clock())
            except Exception:
                log.warning("could not release leases; they expire by themselves", exc_info=True)
            raise
        for result in results:
            if isinstance(result, Exception):
                # The lease stays and expires; the delivery is retried then.
                log.error("recording a delivery outcome failed", exc_info=result)
        return len(leased)

    async def _deliver(self, delivery: LeasedDelivery, finished: set[uuid.UUID]) -> None:
        sender = self._senders.get(delivery.channel)
        failure: SendFailure | None = None
        try:
            if sender is None:
                raise SendFailure(f"no sender for channel {delivery.channel}", permanent=True)
            async with asyncio.timeout(self._settings.send_timeout_s):
                await sender.send(delivery, now=self._notifier.clock())
        except SendFailure as exc:
            failure = exc
        except TimeoutError:
            failure = SendFailure("timed out")
        except Exception as exc:
            log.exception("delivery raised", extra={"delivery_id": str(delivery.delivery_id)})
            failure = SendFailure(f"internal error: {type(exc).__name__}")
        # Recording must not give up on a database outage: a sent delivery left pending would
        # be sent again when its lease ends.
        await retry_transient(
            lambda: self._record(delivery, failure),
            what="record delivery outcome",
            initial_backoff_s=self._notifier.settings.retry_initial_backoff_s,
            max_backoff_s=self._notifier.settings.retry_max_backoff_s,
        )
        finished.add(delivery.delivery_id)

    async def _record(self, delivery: LeasedDelivery, failure: SendFailure | None) -> None:
        now = self._notifier.clock()
        outcome = "sent"
        async with self._notifier.pool.acquire() as conn, conn.transaction():
            if failure is None:
                kept = await delivery_store.mark_sent(conn, delivery, now=now)
            else:
                decision = after_failure(
                    delivery.delivery_id,
                    failed_attempts=delivery.attempt,
                    now=now,
                    policy=self._notifier.config.retry,
                    permanent=failure.permanent,
                )
                if isinstance(decision, Dead):
                    outcome = "dead"
                    error = f"{failure.message} ({decision.reason})"
                    kept = await delivery_store.mark_dead(conn, delivery, now=now, error=error)
                else:
                    outcome = "retry"
                    kept = await delivery_store.mark_retry(
                        conn, delivery, now=now, at=decision.at, error=failure.message
                    )
        self._notifier.notifier_metrics.deliveries.labels(delivery.channel, outcome).inc()
        extra = {
            "delivery_id": str(delivery.delivery_id),
            "alert_id": str(delivery.alert_id),
            "channel": delivery.channel,
            "attempt": delivery.attempt,
            "outcome": outcome,
            "error": failure.message if failure else None,
        }
        if not kept:
            log.warning("delivery lease lost before its outcome was recorded", extra=extra)
        elif outcome == "dead":
            log.error("delivery dead", extra=extra)
        else:
            log.info("delivery attempted", extra=extra)


async def run_delivery_worker(notifier: NotifierRuntime) -> None:
    """Deliver until cancelled: at once when woken by a commit, else every poll interval."""
    settings = notifier.notifier_settings
    async with httpx.AsyncClient(
        timeout=settings.webhook_timeout_s, follow_redirects=False
    ) as client:
        worker = DeliveryWorker(
            notifier,
            senders={
                "webhook": WebhookSender(client, secrets_for=settings.secrets_for),
                "email": EmailSender(settings),
            },
        )
        while True:
            notifier.deliveries_due.clear()
            try:
                handled = await worker.run_once(notifier.clock())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient(exc):
                    log.warning("delivery round failed, retrying", extra={"error": repr(exc)})
                else:
                    log.exception("delivery round failed")
                handled = 0
            if handled >= settings.delivery_concurrency:
                continue  # a full round: more may be due right now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    notifier.deliveries_due.wait(), settings.delivery_poll_interval_s
                )
