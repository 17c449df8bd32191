"""Flags and routing for the notifier's tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from shared.contracts import Evidence, EvidenceItem, FlagReason, ResponseFlagged, Threshold

SECRET = "whsec-test-0123456789"
# A value that must never leave the platform (evidence stays in the API).
EVIDENCE_MARKER = 2.87654321


class HasUrl(Protocol):
    """Anything that can name a webhook URL by path (the test receiver)."""

    def url(self, path: str = ...) -> str: ...


def response_flagged(
    patient: str,
    *,
    reason: FlagReason = FlagReason.HYPOKALAEMIA,
    severity: str = "urgent",
    recommendation: str = "Recheck potassium today.",
) -> ResponseFlagged:
    """A new flag (fresh flag and event ids) with evidence that must stay inside."""
    return ResponseFlagged.model_validate(
        {
            "event_id": uuid.uuid4(),
            "occurred_at": datetime.now(UTC),
            "patient_id": patient,
            "source": "labs-test",
            "flag_id": uuid.uuid4(),
            "raised_by": "labs",
            "reason": reason,
            "severity": severity,
            "evidence": Evidence(
                items=[
                    EvidenceItem(
                        kind="lab_result",
                        label="potassium",
                        code="2823-3",
                        value=EVIDENCE_MARKER,
                        unit="mmol/L",
                    )
                ],
                thresholds=[Threshold(name="potassium_low", value=3.5, unit="mmol/L")],
            ),
            "recommendation": recommendation,
            "rule_id": "labs.hypokalaemia",
            "rule_version": 1,
        }
    )


def routing(
    receiver: HasUrl, *, escalate_after_s: float = 1800.0, max_attempts: int = 100
) -> dict[str, Any]:
    """Default-like routing whose webhooks and mailboxes are the test's receivers."""
    every = ["in_app", "webhook", "email"]
    return {
        "teams": [
            {
                "name": "clinic-nurses",
                "levels": [
                    {
                        "name": "clinic-nurses",
                        "channels": every,
                        "webhooks": [receiver.url("/hooks/nurses")],
                        "email_addresses": ["nurses@clinic.test"],
                    },
                    {
                        "name": "clinical-lead",
                        "channels": every,
                        "webhooks": [receiver.url("/hooks/lead")],
                        "email_addresses": ["lead@clinic.test"],
                    },
                    {"name": "on-call-haematology", "channels": ["in_app"]},
                ],
            },
            {
                "name": "clinic-team",
                "levels": [
                    {
                        "name": "clinic-team",
                        "channels": ["in_app", "email"],
                        "email_addresses": ["team@clinic.test"],
                    }
                ],
            },
        ],
        "rules": [
            {
                "name": "urgent",
                "severity": "urgent",
                "team": "clinic-nurses",
                "channels": every,
                "escalate_after": escalate_after_s,
            },
            {
                "name": "warning",
                "severity": "warning",
                "team": "clinic-team",
                "channels": ["in_app", "email"],
            },
            {"name": "info", "severity": "info", "team": "clinic-team", "channels": ["in_app"]},
        ],
        # Fast retries so an outage and a recovery fit in a test.
        "retry": {
            "first_delay": 0.2,
            "multiplier": 1.5,
            "jitter_ratio": 0.2,
            "max_delay": 1.0,
            "max_attempts": max_attempts,
        },
    }
