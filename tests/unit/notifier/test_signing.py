"""Webhook signatures: receivers can verify them, and any tampering is caught."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notifier.domain import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    signature_headers,
    verify_signature,
)
from tests.unit.notifier.factories import T0, an_id

SECRET = b"whsec-test-0123456789"
BODY = b'{"alert_id":"a","severity":"urgent"}'


def test_a_signed_body_verifies_and_carries_the_delivery_id() -> None:
    headers = signature_headers(BODY, secrets=SECRET, now=T0, delivery_id=an_id("d"))
    assert headers[SIGNATURE_HEADER].startswith("sha256=")
    assert headers["X-B12-Delivery"] == str(an_id("d"))
    assert verify_signature(BODY, headers=headers, secrets=SECRET, now=T0) == int(T0.timestamp())


def test_header_names_are_case_insensitive() -> None:
    headers = {k.lower(): v for k, v in signature_headers(BODY, secrets=SECRET, now=T0).items()}
    verify_signature(BODY, headers=headers, secrets=SECRET, now=T0)


@pytest.mark.parametrize(
    ("body", "change", "secret"),
    [
        (BODY.replace(b"urgent", b"info"), {}, SECRET),
        (BODY + b" ", {}, SECRET),
        (BODY, {TIMESTAMP_HEADER: str(int(T0.timestamp()) + 1)}, SECRET),
        (BODY, {}, b"another-secret"),
        (BODY, {SIGNATURE_HEADER: "sha256=" + "0" * 64}, SECRET),
        (BODY, {SIGNATURE_HEADER: ""}, SECRET),
        (BODY, {TIMESTAMP_HEADER: "soon"}, SECRET),
        (BODY, {TIMESTAMP_HEADER: "\u00b2"}, SECRET),
    ],
)
def test_tampering_is_detected(body: bytes, change: dict[str, str], secret: bytes) -> None:
    headers = signature_headers(BODY, secrets=SECRET, now=T0) | change
    with pytest.raises(SignatureError):
        verify_signature(body, headers=headers, secrets=secret, now=T0)


def test_timestamps_outside_the_tolerance_are_refused_either_side() -> None:
    headers = signature_headers(BODY, secrets=SECRET, now=T0)
    tolerance = timedelta(minutes=5)
    for now in (T0 + tolerance, T0 - tolerance):
        verify_signature(BODY, headers=headers, secrets=SECRET, now=now, tolerance=tolerance)
    for now in (T0 + tolerance + timedelta(seconds=1), T0 - tolerance - timedelta(seconds=1)):
        with pytest.raises(SignatureError, match="tolerance"):
            verify_signature(BODY, headers=headers, secrets=SECRET, now=now, tolerance=tolerance)


def test_during_rotation_either_secret_verifies() -> None:
    headers = signature_headers(BODY, secrets=[b"old-secret", b"new-secret"], now=T0)
    for receiver_secret in (b"old-secret", b"new-secret"):
        verify_signature(BODY, headers=headers, secrets=receiver_secret, now=T0)
    with pytest.raises(SignatureError):
        verify_signature(BODY, headers=headers, secrets=b"retired-secret", now=T0)


def test_an_empty_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="non-empty secret"):
        signature_headers(BODY, secrets=b"", now=T0)


@given(body=st.binary(max_size=512), flip=st.integers(min_value=0))
def test_any_body_round_trips_and_any_flipped_bit_is_caught(body: bytes, flip: int) -> None:
    headers = signature_headers(body, secrets=SECRET, now=T0)
    verify_signature(body, headers=headers, secrets=SECRET, now=T0)
    if body:
        position = flip % (len(body) * 8)
        tampered = bytearray(body)
        tampered[position // 8] ^= 1 << (position % 8)
        with pytest.raises(SignatureError):
            verify_signature(bytes(tampered), headers=headers, secrets=SECRET, now=T0)
