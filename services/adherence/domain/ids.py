"""Deterministic ids: derived with uuid5 so a replayed decision yields the same ids."""

from __future__ import annotations

from uuid import UUID, uuid5

ADHERENCE_NAMESPACE = UUID("7e6cde09-7673-445e-8f21-83273b64cf51")
"""Fixed namespace of every id adherence derives; changing it would change every derived id."""


def derived_id(*parts: object) -> UUID:
    """A stable UUID for the given parts (same parts, same id, on every instance and replay)."""
    return uuid5(ADHERENCE_NAMESPACE, "|".join(str(part) for part in parts))
