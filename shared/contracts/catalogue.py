"""The event catalogue: every stream, its events and their fields, from the contracts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from shared.contracts.envelope import Event
from shared.contracts.registry import STREAM_EVENTS
from shared.topics import Stream


@dataclass(frozen=True)
class FieldDoc:
    """One field of an event body."""

    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class EventDoc:
    """One event type."""

    name: str
    summary: str
    stream: Stream
    fields: list[FieldDoc]


def stream_union(stream: Stream) -> Any:
    """The type of a body on ``stream``: one event, or a union told apart by ``type``."""
    events = STREAM_EVENTS[stream]
    if len(events) == 1:
        return events[0]
    union: Any = events[0]
    for event in events[1:]:
        union = union | event
    return Annotated[union, Field(discriminator="type")]


def _type_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type_name(s) for s in schema["anyOf"])
    if "const" in schema:
        return repr(schema["const"])
    if "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    kind = str(schema.get("type", "object"))
    if kind == "array":
        return f"list[{_type_name(schema.get('items', {}))}]"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def describe(event: type[Event], stream: Stream) -> EventDoc:
    """Fields of one event type from its JSON Schema."""
    schema = event.model_json_schema(mode="serialization")
    required = set(schema.get("required", []))
    fields = [
        FieldDoc(
            name=name,
            type=_type_name(prop),
            required=name in required,
            description=str(prop.get("description", "")),
        )
        for name, prop in schema.get("properties", {}).items()
    ]
    summary = (event.__doc__ or "").strip().splitlines()[0] if event.__doc__ else ""
    name = event.model_fields["type"].default
    return EventDoc(name=name, summary=summary, stream=stream, fields=fields)


def catalogue() -> list[EventDoc]:
    """Every event of every stream, in stream order."""
    return [describe(event, stream) for stream in Stream for event in STREAM_EVENTS[stream]]
