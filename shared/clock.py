"""The wall clock, in one place: rules never read it, they are given the time."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, timezone-aware UTC (for runtimes to pass down and for record timestamps)."""
    return datetime.now(UTC)
