"""Deterministic ids (uuid5): a replayed flag or a re-run sweep yields the same ids, so the
store's unique keys turn at-least-once input into effectively-once effects."""

from __future__ import annotations

from uuid import UUID, uuid5

NOTIFIER_NAMESPACE = UUID("6f1d7f0e-4b0c-5a8e-9c2d-b12b12b12b12")


def alert_id_for(flag_id: UUID) -> UUID:
    """The id of the alert a flag opens (the flag that opened it names it)."""
    return uuid5(NOTIFIER_NAMESPACE, f"alert/{flag_id}")


def occurrence_id_for(alert_id: UUID, flag_id: UUID) -> UUID:
    """The id of one flag's occurrence within an alert."""
    return uuid5(NOTIFIER_NAMESPACE, f"occurrence/{alert_id}/{flag_id}")


def escalation_id_for(alert_id: UUID, *, team: str, level: int) -> UUID:
    """The id of an alert's escalation to one level of one team's ladder."""
    return uuid5(NOTIFIER_NAMESPACE, f"escalation/{alert_id}/{team}/{level}")


def delivery_id_for(cause_id: UUID, *, channel: str, target: str) -> UUID:
    """The id of one delivery: what caused it, over which channel, to whom."""
    return uuid5(NOTIFIER_NAMESPACE, f"delivery/{cause_id}/{channel}/{target}")
