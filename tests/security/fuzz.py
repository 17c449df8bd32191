"""Hypothesis strategies for Kafka records a consumer may be handed: valid, broken and hostile."""

from __future__ import annotations

import base64
import json
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from shared.contracts import PlanCancelled
from tests.support.factories import dose_administered, lab_resulted

MAX_EVENT_BYTES = 256 * 1024
REJECTION_KINDS = frozenset(
    {
        "empty_body",
        "oversized_body",
        "invalid_json",
        "schema_invalid",
        "unknown_type",
        "missing_key",
        "key_mismatch",
        "type_mismatch",
    }
)


@dataclass(frozen=True)
class FuzzRecord:
    """What a producer can put on a topic: any bytes, any key, any headers."""

    value: bytes | None
    key: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def to_json(self) -> str:
        """One line of JSON (bytes as base64)."""

        def b64(data: bytes | None) -> str | None:
            return None if data is None else base64.b64encode(data).decode()

        headers = [[name, b64(value)] for name, value in self.headers]
        return json.dumps({"value": b64(self.value), "key": b64(self.key), "headers": headers})

    @classmethod
    def from_json(cls, line: str) -> FuzzRecord:
        """The record ``to_json`` wrote."""
        data = json.loads(line)

        def raw(text: str | None) -> bytes | None:
            return None if text is None else base64.b64decode(text)

        headers = tuple((name, raw(value) or b"") for name, value in data["headers"])
        return cls(raw(data["value"]), raw(data["key"]), headers)


@dataclass(frozen=True)
class ConsumerRecord:
    """The fields of aiokafka's ConsumerRecord the consumer reads."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp: int = 0


def _templates() -> list[dict[str, Any]]:
    """Valid bodies with fixed ids and times, so a seeded run draws the same records."""
    patient, at = "p-fuzz-0001", datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    fixed = {"occurred_at": at, "source": "clinic-fuzz"}
    events = [
        dose_administered(
            patient,
            event_id=uuid.UUID(int=1),
            administration_id="adm-fuzz-1",
            administered_at=at - timedelta(hours=1),
            **fixed,
        ),
        lab_resulted(
            patient,
            event_id=uuid.UUID(int=2),
            result_id="res-fuzz-1",
            observed_at=at - timedelta(days=1),
            **fixed,
        ),
        PlanCancelled(
            event_id=uuid.UUID(int=3),
            patient_id=patient,
            plan_id=uuid.UUID(int=4),
            reason="entered in error",
            **fixed,
        ),
    ]
    return [json.loads(event.to_json()) for event in events]


TEMPLATES = _templates()
CONTROLS = ["\x00", "\n", '\r\n{"level": "CRITICAL"}', "\x1b[31m", "\u2028", "\t\x7f"]
EVENT_TYPES = ["DoseAdministered", "LabResulted", "PlanCreated", "PlanCancelled", "DoseMissed"]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# Bytes that are not UTF-8: a lone continuation byte, an overlong form, a surrogate, 0xff.
invalid_utf8 = st.sampled_from([b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xff\xfe", b"\xf8\x88"])


@st.composite
def envelopes(draw: st.DrawFn, templates: list[dict[str, Any]] = TEMPLATES) -> dict[str, Any]:
    """A real event's body, possibly with fields removed, retyped, renamed or added."""
    body = dict(draw(st.sampled_from(templates)))
    body["event_id"] = str(draw(st.uuids()))
    valid_ids = st.sampled_from(["p-fuzz-0001", "p.fuzz_2", "P_3"])
    body["patient_id"] = draw(valid_ids | valid_ids | valid_ids | st.text(max_size=70))
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        field = draw(st.sampled_from(sorted(body)))
        action = draw(st.sampled_from(["drop", "junk", "type", "null", "nest", "control"]))
        if action == "control":  # NUL, newlines, escapes in a text field
            if isinstance(body.get(field), str):
                body[field] += draw(st.sampled_from(CONTROLS))
        elif action == "drop":
            body.pop(field, None)
        elif action == "junk":
            body[field] = draw(json_values)
        elif action == "type":
            body["type"] = draw(st.sampled_from(EVENT_TYPES) | st.text(max_size=20))
        elif action == "null":
            body[field] = None
        else:
            body[field] = {"nested": body.get(field), "more": draw(json_values)}
    if draw(st.booleans()):
        body[draw(st.text(max_size=10))] = draw(json_values)
    return body


def _utf8(text: str) -> bytes:
    # Lone surrogates in generated text pass through as the (invalid) bytes a sloppy producer
    # would send.
    return text.encode("utf-8", "surrogatepass")


def _dumps(value: Any) -> bytes:
    return _utf8(json.dumps(value, ensure_ascii=False))


# Envelopes three times as often: the interesting failures are in nearly-valid events.
BODY_KINDS = ["envelope"] * 3 + ["json", "bytes", "mangled", "empty", "huge", "deep"]


@st.composite
def bodies(
    draw: st.DrawFn, templates: list[dict[str, Any]] = TEMPLATES
) -> tuple[bytes | None, dict[str, Any] | None]:
    """A record value, and the envelope it was made from (if any)."""
    kind = draw(st.sampled_from(BODY_KINDS))
    if kind == "envelope":
        body = draw(envelopes(templates))
        return _dumps(body), body
    if kind == "json":
        return _dumps(draw(json_values)), None
    if kind == "bytes":
        return draw(st.binary(max_size=300)), None
    if kind == "mangled":  # a real body with bytes that are not UTF-8 spliced in
        raw = _dumps(draw(envelopes()))
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(invalid_utf8) + raw[at:], None
    if kind == "empty":
        return draw(st.sampled_from([None, b"", b" ", b"\x00", b"null", b"{}", b"[]"])), None
    if kind == "huge":  # just under, at and over the limit
        size = draw(st.integers(MAX_EVENT_BYTES - 64, MAX_EVENT_BYTES + 4096))
        body = dict(TEMPLATES[0], padding="x" * size)
        return _dumps(body)[: MAX_EVENT_BYTES + 4096], None
    depth = draw(st.integers(500, 60_000))  # nesting deeper than the JSON parser recurses
    opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
    return b'{"type":"DoseAdministered","x":' + opener * depth + b"1" + closer * depth + b"}", None


@st.composite
def headers(draw: st.DrawFn, body: dict[str, Any] | None) -> tuple[tuple[str, bytes], ...]:
    """CloudEvents headers, right, wrong or undecodable, and junk ones."""
    names = st.sampled_from(["ce_type", "ce_id", "ce_source", "content-type", "traceparent"])
    values = (
        st.binary(max_size=40)
        | invalid_utf8
        | st.text(max_size=40).map(_utf8)
        | st.sampled_from([t.encode() for t in EVENT_TYPES])
    )
    found = []
    if body is not None and draw(st.booleans()) and isinstance(body.get("type"), str):
        found.append(("ce_type", _utf8(body["type"])))
    found += draw(st.lists(st.tuples(names | st.text(max_size=12), values), max_size=4))
    return tuple(found)


@st.composite
def records(draw: st.DrawFn, templates: list[dict[str, Any]] = TEMPLATES) -> FuzzRecord:
    """One record: a body (made from ``templates`` when an envelope), a key, headers."""
    value, body = draw(bodies(templates))
    patient = body.get("patient_id") if body else None
    key: bytes | None = None
    if isinstance(patient, str) and draw(st.integers(0, 3)):  # mostly the right key
        key = _utf8(patient)
    else:
        key = draw(st.none() | st.binary(max_size=70) | invalid_utf8)
    return FuzzRecord(value=value, key=key, headers=draw(headers(body)))


def event_id_of(value: bytes | None) -> uuid.UUID | None:
    """The event id a record's body carries, if it carries a valid one."""
    try:
        return uuid.UUID(json.loads(value or b"")["event_id"])
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def fresh_ids(record: FuzzRecord) -> FuzzRecord:
    """The record with a new event id when it carries a valid one (no accidental duplicates)."""
    if event_id_of(record.value) is None:
        return record
    body = json.loads(record.value or b"")
    body["event_id"] = str(uuid.uuid4())
    return FuzzRecord(_dumps(body), record.key, record.headers)


def as_consumed(record: FuzzRecord, *, topic: str, offset: int = 0) -> ConsumerRecord:
    """How the consumer receives the record."""
    return ConsumerRecord(topic, 0, offset, record.key, record.value, record.headers)


def seeded(count: int, *, seed_value: int = 20261125) -> list[FuzzRecord]:
    """``count`` DoseAdministered-based records from a fixed seed, with fresh event ids."""
    drawn: list[FuzzRecord] = []

    @seed(seed_value)
    @given(record=records(TEMPLATES[:1]))
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def draw(record: FuzzRecord) -> None:
        drawn.append(fresh_ids(record))

    draw()
    return drawn


if __name__ == "__main__":
    # ``python -m tests.security.fuzz 200``: the seeded burst, one JSON record per line.
    for record in seeded(int(sys.argv[1])):
        print(record.to_json())
