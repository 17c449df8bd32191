"""Builders for the notifier's unit tests: flags with recognisable evidence, fixed times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from services.notifier.domain import NotifierConfig, load_config
from shared.contracts import Evidence, EvidenceItem, FlagReason, ResponseFlagged, Threshold

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEST_NAMESPACE = UUID("00000000-0000-5000-8000-00000000b12a")
# A value that must never appear in anything sent outside the platform.
EVIDENCE_VALUE = 2.87654321
EVIDENCE_LABEL = "potassium-secret-label"


def an_id(name: str) -> UUID:
    """A stable id per name, so tests read as prose."""
    return uuid5(TEST_NAMESPACE, name)


def make_flag(
    name: str = "flag-1",
    *,
    reason: FlagReason = FlagReason.HYPOKALAEMIA,
    severity: str = "urgent",
    patient_id: str = "pt-0042",
    occurred_at: datetime = T0,
    recommendation: str = "Recheck potassium today.",
) -> ResponseFlagged:
    """A ResponseFlagged with evidence holding values that must stay inside the platform."""
    evidence = Evidence(
        items=[
            EvidenceItem(
                kind="lab_result", label=EVIDENCE_LABEL, code="2823-3", value=EVIDENCE_VALUE
            )
        ],
        thresholds=[Threshold(name="potassium_low", value=3.5, unit="mmol/L")],
    )
    return ResponseFlagged.model_validate(
        {
            "event_id": an_id(f"event/{name}"),
            "occurred_at": occurred_at,
            "patient_id": patient_id,
            "source": "labs",
            "flag_id": an_id(name),
            "raised_by": "labs",
            "reason": reason,
            "severity": severity,
            "evidence": evidence,
            "recommendation": recommendation,
            "rule_id": "labs.hypokalaemia",
            "rule_version": 1,
        }
    )


def config_with_contacts(**overrides: Any) -> NotifierConfig:
    """The default routing with real-looking targets at every level."""
    data: dict[str, Any] = {
        "link_base_url": "https://b12.example.org/",
        "teams": [
            {
                "name": "clinic-nurses",
                "levels": [
                    {
                        "name": "clinic-nurses",
                        "channels": ["in_app", "webhook", "email"],
                        "webhooks": ["https://hooks.example.org/nurses"],
                        "email_addresses": ["nurses@example.org", "ward@example.org"],
                    },
                    {
                        "name": "clinical-lead",
                        "channels": ["in_app", "email"],
                        "email_addresses": ["lead@example.org"],
                    },
                    {
                        "name": "on-call-haematology",
                        "channels": ["webhook"],
                        "webhooks": [{"url": "https://pager.example.org/h", "secret_id": "pager"}],
                    },
                ],
            },
            {
                "name": "clinic-team",
                "levels": [
                    {
                        "name": "clinic-team",
                        "channels": ["in_app", "email"],
                        "email_addresses": ["team@example.org"],
                    }
                ],
            },
        ],
    }
    data.update(overrides)
    return load_config(data)


def minutes(count: float) -> timedelta:
    """A readable duration."""
    return timedelta(minutes=count)
