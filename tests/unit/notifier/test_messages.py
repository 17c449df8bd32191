"""Deliveries: who gets what over which channel, and that nothing clinical leaks out."""

from __future__ import annotations

import json

from services.notifier.domain import (
    Delivery,
    NewAlert,
    acknowledge,
    decide_on_flag,
    deliveries_for,
    due_escalations,
)
from shared.contracts import FlagReason
from tests.unit.notifier.factories import (
    EVIDENCE_LABEL,
    EVIDENCE_VALUE,
    T0,
    config_with_contacts,
    make_flag,
    minutes,
)

CONFIG = config_with_contacts()
ACK_NOTE = "spoke to daughter, patient anxious about the ward"


def everything_sent(deliveries: tuple[Delivery, ...]) -> str:
    parts = [delivery.body().decode() for delivery in deliveries]
    parts += [f"{d.email.subject}\n{d.email.body}" for d in deliveries if d.email is not None]
    return "\n".join(parts)


def new_alert(severity: str = "urgent") -> NewAlert:
    decision = decide_on_flag(None, make_flag(severity=severity), now=T0, config=CONFIG)
    assert isinstance(decision, NewAlert)
    return decision


def test_a_new_urgent_alert_goes_to_the_team_over_every_channel_and_target() -> None:
    deliveries = deliveries_for(new_alert(), config=CONFIG)
    assert sorted((d.channel, d.target) for d in deliveries) == [
        ("email", "nurses@example.org"),
        ("email", "ward@example.org"),
        ("in_app", "clinic-nurses"),
        ("webhook", "https://hooks.example.org/nurses"),
    ]
    assert len({d.delivery_id for d in deliveries}) == len(deliveries)
    assert deliveries == deliveries_for(new_alert(), config=CONFIG)  # deterministic ids


def test_a_warning_goes_in_app_and_by_email_only() -> None:
    deliveries = deliveries_for(new_alert("warning"), config=CONFIG)
    assert sorted((d.channel, d.target) for d in deliveries) == [
        ("email", "team@example.org"),
        ("in_app", "clinic-team"),
    ]


def test_the_payload_carries_ids_reason_severity_recommendation_and_a_link() -> None:
    decision = new_alert()
    webhook = next(d for d in deliveries_for(decision, config=CONFIG) if d.channel == "webhook")
    body = json.loads(webhook.body())
    alert_id = str(decision.alert.alert_id)
    assert body["event"] == "alert.opened"
    assert body["delivery_id"] == str(webhook.delivery_id)
    assert (body["alert_id"], body["patient_id"]) == (alert_id, "pt-0042")
    assert (body["reason"], body["severity"]) == ("HYPOKALAEMIA", "urgent")
    assert body["recommendation"] == "Recheck potassium today."
    assert body["link"] == f"https://b12.example.org/alerts/{alert_id}"
    assert webhook.secret_id == "default"


def test_outbound_messages_never_carry_evidence_or_staff_notes() -> None:
    decision = decide_on_flag(
        None,
        make_flag(severity="warning", reason=FlagReason.MISSED_LOADING_DOSE),
        now=T0,
        config=CONFIG,
    )
    acked = acknowledge(decision.alert, by="nurse.a", note=ACK_NOTE, now=T0 + minutes(1)).alert
    raised = decide_on_flag(
        acked,
        make_flag("flag-2", severity="urgent", reason=FlagReason.MISSED_LOADING_DOSE),
        now=T0 + minutes(2),
        config=CONFIG,
    )
    sent = everything_sent(
        deliveries_for(decision, config=CONFIG) + deliveries_for(raised, config=CONFIG)
    )
    assert "Recheck potassium today." in sent
    for secret in (
        str(EVIDENCE_VALUE),
        EVIDENCE_LABEL,
        "potassium_low",
        "2823-3",
        ACK_NOTE,
        "nurse.a",
    ):
        assert secret not in sent


def test_a_repeat_at_the_same_severity_sends_nothing_and_a_raise_tells_the_new_route() -> None:
    alert = new_alert("warning").alert
    repeat = decide_on_flag(alert, make_flag("flag-2", severity="warning"), now=T0, config=CONFIG)
    assert deliveries_for(repeat, config=CONFIG) == ()
    raised = decide_on_flag(alert, make_flag("flag-3", severity="urgent"), now=T0, config=CONFIG)
    deliveries = deliveries_for(raised, config=CONFIG)
    assert {d.cause for d in deliveries} == {"severity_raised"}
    assert {d.target for d in deliveries if d.channel == "in_app"} == {"clinic-nurses"}


def test_escalations_use_the_channels_and_targets_of_the_level_reached() -> None:
    alert = new_alert().alert
    (to_lead,) = due_escalations([alert], now=T0 + minutes(30), config=CONFIG)
    lead = deliveries_for(to_lead, config=CONFIG)
    assert sorted((d.channel, d.target) for d in lead) == [
        ("email", "lead@example.org"),
        ("in_app", "clinical-lead"),
    ]
    email = next(d.email for d in lead if d.email is not None)
    assert "escalated to you (clinical-lead, level 1)" in email.body
    assert "Unacknowledged for at least 30 minutes." in email.body
    (to_on_call,) = due_escalations([to_lead.alert], now=T0 + minutes(60), config=CONFIG)
    (pager,) = deliveries_for(to_on_call, config=CONFIG)
    assert (pager.channel, pager.target, pager.secret_id) == (
        "webhook",
        "https://pager.example.org/h",
        "pager",
    )
    assert pager.payload.event == "alert.escalated"


def test_the_email_has_a_one_line_subject_and_a_plain_text_body_with_the_link() -> None:
    email = next(d.email for d in deliveries_for(new_alert(), config=CONFIG) if d.email is not None)
    assert email.subject == "[B12] URGENT: HYPOKALAEMIA - patient pt-0042"
    assert "\n" not in email.subject
    assert "Recheck potassium today." in email.body
    assert "https://b12.example.org/alerts/" in email.body
