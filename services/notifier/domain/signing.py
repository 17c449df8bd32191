"""Webhook signing: HMAC-SHA256 over the timestamp and the exact body bytes.

Scheme (documented for receivers):

- ``X-B12-Timestamp``: the send time, integer Unix seconds.
- ``X-B12-Signature``: ``sha256=<hex>``, the HMAC-SHA256 of ``b"<timestamp>." + body`` under
  the shared secret. During a secret rotation several comma-separated ``sha256=`` values are
  sent, one per active secret; a receiver accepts the request if any one matches.
- ``X-B12-Delivery``: the delivery id, stable across retries, for the receiver to deduplicate.

Signing the timestamp with the body lets a receiver refuse replays older than its tolerance
(five minutes by default, either side, to allow for clock skew). Receivers must verify the raw
bytes they received, before parsing the JSON.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from services.notifier.domain.models import as_utc

SIGNATURE_HEADER = "X-B12-Signature"
TIMESTAMP_HEADER = "X-B12-Timestamp"
DELIVERY_HEADER = "X-B12-Delivery"
SIGNATURE_SCHEME = "sha256"
DEFAULT_TOLERANCE = timedelta(minutes=5)


class SignatureError(ValueError):
    """A webhook request whose signature or timestamp does not check out."""


def _secret_list(secrets: bytes | Sequence[bytes]) -> list[bytes]:
    listed = [secrets] if isinstance(secrets, bytes) else list(secrets)
    if not listed or any(not secret for secret in listed):
        raise ValueError("at least one non-empty secret is required")
    return listed


def compute_signature(body: bytes, *, secret: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``b"<timestamp>." + body`` under ``secret``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def signature_headers(
    body: bytes,
    *,
    secrets: bytes | Sequence[bytes],
    now: datetime,
    delivery_id: UUID | None = None,
) -> dict[str, str]:
    """The headers that sign ``body`` at ``now`` (one signature per active secret)."""
    timestamp = int(as_utc(now).timestamp())
    signatures = ", ".join(
        f"{SIGNATURE_SCHEME}={compute_signature(body, secret=secret, timestamp=timestamp)}"
        for secret in _secret_list(secrets)
    )
    headers = {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signatures}
    if delivery_id is not None:
        headers[DELIVERY_HEADER] = str(delivery_id)
    return headers


def verify_signature(
    body: bytes,
    *,
    headers: Mapping[str, str],
    secrets: bytes | Sequence[bytes],
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> int:
    """Check a received webhook's signature and freshness; return its timestamp or raise."""
    by_name = {name.lower(): value for name, value in headers.items()}
    raw_timestamp = by_name.get(TIMESTAMP_HEADER.lower(), "").strip()
    raw_signatures = by_name.get(SIGNATURE_HEADER.lower(), "")
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit()):
        raise SignatureError(f"missing or malformed {TIMESTAMP_HEADER} header")
    timestamp = int(raw_timestamp)
    skew = abs(as_utc(now).timestamp() - timestamp)
    if skew > tolerance.total_seconds():
        raise SignatureError(f"timestamp is {skew:.0f}s away from now, beyond the tolerance")
    offered = [
        value.strip()[len(SIGNATURE_SCHEME) + 1 :]
        for value in raw_signatures.split(",")
        if value.strip().startswith(f"{SIGNATURE_SCHEME}=")
    ]
    if not offered:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header with a {SIGNATURE_SCHEME} value")
    expected = [
        compute_signature(body, secret=secret, timestamp=timestamp)
        for secret in _secret_list(secrets)
    ]
    # compare_digest on every pair: the time taken must not reveal how close a guess was.
    if any(hmac.compare_digest(mine, theirs) for mine in expected for theirs in offered):
        return timestamp
    raise SignatureError("signature does not match the body")
