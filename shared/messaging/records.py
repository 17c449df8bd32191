"""Kafka records as the consumer sees them, independent of the client library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.contracts import Event


def decode_headers(raw: Any) -> dict[str, str]:
    """Header values as text; undecodable bytes are replaced rather than failing the record."""
    headers: dict[str, str] = {}
    for name, value in raw or ():
        if isinstance(value, bytes | bytearray):
            headers[str(name)] = bytes(value).decode("utf-8", errors="replace")
        elif value is not None:
            headers[str(name)] = str(value)
    return headers


@dataclass(frozen=True)
class Delivery:
    """One record as fetched: where it came from and its raw content."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]
    timestamp_ms: int | None = None

    @classmethod
    def from_record(cls, record: Any) -> Delivery:
        """Build from an aiokafka ConsumerRecord."""
        return cls(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=decode_headers(record.headers),
            timestamp_ms=record.timestamp,
        )

    @property
    def position(self) -> str:
        """``topic/partition@offset``, for logs and error messages."""
        return f"{self.topic}/{self.partition}@{self.offset}"


@dataclass(frozen=True)
class Inbound:
    """A decoded event and the record that carried it."""

    event: Event
    delivery: Delivery


@dataclass(frozen=True)
class Rejection:
    """A record that can never be processed, and why (it goes to the dead-letter topic)."""

    delivery: Delivery
    kind: str
    message: str
    event: Event | None = None
