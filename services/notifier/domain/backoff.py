"""Retry timing for deliveries: exponential backoff with deterministic jitter, then dead.

The delay after the n-th failed attempt is
``min(max_delay, first_delay * multiplier**(n-1) * (1 + jitter_ratio * u))`` where ``u`` in
[0, 1) is derived from a hash of (delivery id, n): different deliveries spread out, but the
same delivery always gets the same schedule (no random numbers in the domain). Jitter only
stretches delays and ``multiplier >= 1 + jitter_ratio`` is enforced, so delays never shrink
and never exceed ``max_delay``. After ``max_attempts`` failed attempts the delivery is dead.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from services.notifier.domain.config import RetryPolicy
from services.notifier.domain.models import DomainModel, as_utc
from shared.contracts import UtcDatetime


class RetryAt(DomainModel):
    """Try the delivery again at ``at``; it will be attempt number ``next_attempt``."""

    outcome: Literal["retry"] = "retry"
    next_attempt: int
    at: UtcDatetime


class Dead(DomainModel):
    """Give up on the delivery: it stays visible as dead in the delivery log."""

    outcome: Literal["dead"] = "dead"
    attempts: int
    reason: str


def jitter_fraction(delivery_id: UUID, *, attempt: int) -> float:
    """A number in [0, 1) fixed by the delivery and the attempt (a stand-in for random)."""
    digest = hashlib.sha256(f"{delivery_id}/{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def retry_delay(*, delivery_id: UUID, failed_attempts: int, policy: RetryPolicy) -> timedelta:
    """How long to wait after the ``failed_attempts``-th failure before trying again."""
    if failed_attempts < 1:
        raise ValueError("failed_attempts counts from 1")
    first = policy.first_delay.total_seconds()
    cap = policy.max_delay.total_seconds()
    growth_steps = failed_attempts - 1
    # Compare in log space so a large attempt number cannot overflow the float power.
    growth_needed_to_cap = math.log(cap / first)
    if policy.multiplier > 1 and growth_steps * math.log(policy.multiplier) >= growth_needed_to_cap:
        return policy.max_delay
    base = first * policy.multiplier**growth_steps
    stretch = 1 + policy.jitter_ratio * jitter_fraction(delivery_id, attempt=failed_attempts)
    return timedelta(seconds=min(cap, base * stretch))


def after_failure(
    delivery_id: UUID,
    *,
    failed_attempts: int,
    now: datetime,
    policy: RetryPolicy,
    permanent: bool = False,
) -> RetryAt | Dead:
    """Decide what follows a failed attempt: retry later, or dead once attempts run out."""
    if permanent:
        return Dead(attempts=failed_attempts, reason="permanent failure")
    if failed_attempts >= policy.max_attempts:
        return Dead(attempts=failed_attempts, reason=f"{policy.max_attempts} attempts failed")
    delay = retry_delay(delivery_id=delivery_id, failed_attempts=failed_attempts, policy=policy)
    return RetryAt(next_attempt=failed_attempts + 1, at=as_utc(now) + delay)


def retry_schedule(delivery_id: UUID, *, policy: RetryPolicy) -> tuple[timedelta, ...]:
    """Every delay a delivery would wait if all its attempts failed (for docs and tests)."""
    return tuple(
        retry_delay(delivery_id=delivery_id, failed_attempts=attempt, policy=policy)
        for attempt in range(1, policy.max_attempts)
    )
