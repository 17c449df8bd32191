"""Which events travel on which stream, and decoding of raw bodies into them."""

from __future__ import annotations

import json
from collections.abc import Mapping

from pydantic import ValidationError

from shared.contracts.clinic import DoseAdministered, LabResulted
from shared.contracts.envelope import Event
from shared.contracts.findings import DoseMissed, DoseMissResolved, ResponseFlagged
from shared.contracts.plans import PlanAdjusted, PlanCancelled, PlanCreated
from shared.topics import Stream

STREAM_EVENTS: Mapping[Stream, tuple[type[Event], ...]] = {
    Stream.PLANS: (PlanCreated, PlanAdjusted, PlanCancelled),
    Stream.DOSES: (DoseAdministered,),
    Stream.LABS: (LabResulted,),
    Stream.ADHERENCE: (DoseMissed, DoseMissResolved),
    Stream.FLAGS: (ResponseFlagged,),
}

EVENT_TYPES: Mapping[str, type[Event]] = {
    cls.model_fields["type"].default: cls for classes in STREAM_EVENTS.values() for cls in classes
}


class DecodeError(Exception):
    """A body that can never become a valid event; ``kind`` names the failure for the DLQ."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


def describe_validation_error(error: ValidationError, limit: int = 5) -> str:
    """A short, readable summary of what failed validation (no input values: they may be PHI)."""
    parts = []
    for item in error.errors(include_url=False, include_input=False)[:limit]:
        location = ".".join(str(part) for part in item["loc"]) or "body"
        parts.append(f"{location}: {item['msg']}")
    more = error.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def decode_event(
    payload: bytes | None,
    *,
    allowed: Mapping[str, type[Event]] = EVENT_TYPES,
    max_bytes: int = 256 * 1024,
) -> Event:
    """Turn a raw record value into one of the ``allowed`` events, or raise DecodeError."""
    if not payload:
        raise DecodeError("empty_body", "the record has no body")
    if len(payload) > max_bytes:
        raise DecodeError("oversized_body", f"{len(payload)} bytes exceeds the {max_bytes} limit")
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DecodeError("invalid_json", f"not UTF-8 JSON: {exc}") from None
    except RecursionError:
        # Deeper than the parser recurses (a few hundred bytes of "[" suffice): never an event.
        raise DecodeError("invalid_json", "JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise DecodeError("schema_invalid", "the body must be a JSON object")
    type_name = data.get("type")
    if not isinstance(type_name, str):
        raise DecodeError("schema_invalid", "type: field required (a string)")
    event_class = allowed.get(type_name)
    if event_class is None:
        expected = ", ".join(sorted(allowed))
        raise DecodeError("unknown_type", f"type {type_name[:64]!r} is not one of: {expected}")
    try:
        return event_class.model_validate(data)
    except ValidationError as exc:
        raise DecodeError("schema_invalid", describe_validation_error(exc)) from None


def events_of(*streams: Stream) -> dict[str, type[Event]]:
    """The event types a subscriber to ``streams`` accepts, by type name."""
    return {
        cls.model_fields["type"].default: cls for stream in streams for cls in STREAM_EVENTS[stream]
    }
