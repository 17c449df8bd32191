"""Retry backoff: exponential, deterministically jittered, never shrinking, capped, then dead."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from services.notifier.domain import (
    Dead,
    RetryAt,
    RetryPolicy,
    after_failure,
    retry_delay,
    retry_schedule,
)
from tests.unit.notifier.factories import T0, an_id


@st.composite
def policies(draw: st.DrawFn) -> RetryPolicy:
    jitter = draw(st.floats(min_value=0.0, max_value=1.0))
    first = draw(st.floats(min_value=0.001, max_value=600.0))
    return RetryPolicy(
        first_delay=timedelta(seconds=first),
        multiplier=draw(st.floats(min_value=1.0 + jitter, max_value=10.0)),
        max_delay=timedelta(seconds=first * draw(st.floats(min_value=1.0, max_value=10_000.0))),
        jitter_ratio=jitter,
        max_attempts=draw(st.integers(min_value=1, max_value=40)),
    )


@given(policy=policies(), delivery_id=st.uuids())
def test_the_schedule_never_shrinks_and_never_exceeds_the_cap(
    policy: RetryPolicy, delivery_id: UUID
) -> None:
    schedule = retry_schedule(delivery_id, policy=policy)
    assert len(schedule) == policy.max_attempts - 1
    assert all(earlier <= later for earlier, later in pairwise(schedule))
    assert all(delay <= policy.max_delay for delay in schedule)
    assert all(delay >= min(policy.first_delay, policy.max_delay) for delay in schedule)


def test_the_default_schedule_doubles_from_ten_seconds_with_bounded_jitter() -> None:
    schedule = retry_schedule(an_id("delivery"), policy=RetryPolicy())
    for attempt, delay in enumerate(schedule[:5]):
        base = 10 * 2**attempt
        assert base <= delay.total_seconds() <= base * 1.2
    assert schedule[-1] == timedelta(hours=1)


def test_jitter_is_deterministic_per_delivery_and_differs_between_deliveries() -> None:
    policy = RetryPolicy()
    assert retry_schedule(an_id("a"), policy=policy) == retry_schedule(an_id("a"), policy=policy)
    assert retry_schedule(an_id("a"), policy=policy) != retry_schedule(an_id("b"), policy=policy)


def test_a_delivery_is_dead_after_the_maximum_number_of_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    retry = after_failure(an_id("d"), failed_attempts=2, now=T0, policy=policy)
    assert isinstance(retry, RetryAt)
    assert retry.next_attempt == 3
    assert retry.at > T0
    dead = after_failure(an_id("d"), failed_attempts=3, now=T0, policy=policy)
    assert isinstance(dead, Dead)
    assert dead.attempts == 3


def test_a_permanent_failure_is_dead_at_once() -> None:
    outcome = after_failure(
        an_id("d"), failed_attempts=1, now=T0, policy=RetryPolicy(), permanent=True
    )
    assert isinstance(outcome, Dead)


def test_huge_attempt_numbers_stay_at_the_cap() -> None:
    policy = RetryPolicy()
    assert (
        retry_delay(delivery_id=an_id("d"), failed_attempts=10**6, policy=policy)
        == policy.max_delay
    )
