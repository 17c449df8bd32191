"""Event contracts round-trip through JSON and refuse invalid bodies with a clear reason."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.contracts import (
    EVENT_TYPES,
    DecodeError,
    DoseAdministered,
    Evidence,
    EvidenceItem,
    FlagReason,
    LabCheck,
    Phase,
    PhaseSpec,
    PlanCreated,
    ResponseFlagged,
    ScheduledDose,
    ShortenMaintenanceInterval,
    decode_event,
    events_of,
)
from shared.topics import Stream, Topics
from tests.support.factories import dose_administered, lab_resulted

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def plan_created(**overrides: object) -> PlanCreated:
    plan_id = uuid.uuid4()
    values: dict[str, object] = {
        "event_id": uuid.uuid4(),
        "occurred_at": NOW,
        "patient_id": "p-1",
        "source": "planner",
        "plan_id": plan_id,
        "protocol_id": "uk-hydroxo-no-neuro",
        "protocol_version": 1,
        "indication": "pernicious_anaemia",
        "severity": "moderate",
        "neurological_involvement": False,
        "lifelong": True,
        "start_date": date(2026, 1, 5),
        "timezone": "Europe/London",
        "phases": [
            PhaseSpec(
                phase=Phase.LOADING,
                description="1 mg IM three times a week",
                product="hydroxocobalamin",
                route="IM",
                dose_mcg=1000,
                times_per_week=3,
                starts_on=date(2026, 1, 5),
                ends_on=date(2026, 1, 16),
            )
        ],
        "doses": [
            ScheduledDose(
                dose_id=uuid.uuid4(),
                due_on=date(2026, 1, 5),
                dose_mcg=1000,
                product="hydroxocobalamin",
                route="IM",
                phase=Phase.LOADING,
            )
        ],
        "lab_checks": [
            LabCheck(
                check_id=uuid.uuid4(),
                due_on=date(2026, 1, 13),
                loinc_codes=["4679-7"],
                purpose="reticulocyte response",
            )
        ],
    }
    values.update(overrides)
    return PlanCreated(**values)  # type: ignore[arg-type]


def response_flagged() -> ResponseFlagged:
    return ResponseFlagged(
        event_id=uuid.uuid4(),
        occurred_at=NOW,
        patient_id="p-1",
        source="labs",
        flag_id=uuid.uuid4(),
        raised_by="labs",
        reason=FlagReason.RELAPSE_ON_MAINTENANCE,
        severity="warning",
        evidence=Evidence(
            items=[
                EvidenceItem(kind="lab_result", label="haemoglobin", value=112, unit="g/L", at=NOW)
            ]
        ),
        recommendation="Consider shortening the maintenance interval.",
        suggested_action=ShortenMaintenanceInterval(to_interval_weeks=8, from_interval_weeks=12),
        rule_id="labs.relapse",
        rule_version=1,
    )


@pytest.mark.parametrize(
    "event",
    [plan_created(), dose_administered("p-1"), lab_resulted("p-1"), response_flagged()],
    ids=lambda e: e.type,
)
def test_round_trip(event: object) -> None:
    assert decode_event(event.to_json()) == event  # type: ignore[attr-defined]


def test_every_event_type_belongs_to_one_stream() -> None:
    streams = [name for stream in Stream for name in events_of(stream)]
    assert sorted(streams) == sorted(EVENT_TYPES)


def test_times_are_normalised_to_utc() -> None:
    event = dose_administered("p-1", administered_at="2026-03-29T01:30:00+01:00")
    assert event.administered_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("payload", "kind", "mentions"),
    [
        (b"", "empty_body", "no body"),
        (b"{oops", "invalid_json", "JSON"),
        (b"\xff\xfe", "invalid_json", "UTF-8"),
        (b"[1, 2]", "schema_invalid", "object"),
        (b'{"type": "Teleported"}', "unknown_type", "Teleported"),
        (b'{"patient_id": "p"}', "schema_invalid", "type"),
    ],
)
def test_undecodable_bodies_say_why(payload: bytes, kind: str, mentions: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_event(payload)
    assert caught.value.kind == kind
    assert mentions in caught.value.message


@pytest.mark.parametrize(
    ("field", "value", "mentions"),
    [
        ("patient_id", "Jane Doe", "patient_id"),
        ("dose_mcg", 0, "dose_mcg"),
        ("route", "IV", "route"),
        ("administered_at", "2026-01-05T10:00:00", "administered_at"),
        ("status", "not-done", "status_reason"),
    ],
)
def test_invalid_dose_fields_are_named(field: str, value: object, mentions: str) -> None:
    body = json.loads(dose_administered("p-1").to_json())
    body[field] = value
    with pytest.raises(DecodeError) as caught:
        decode_event(json.dumps(body).encode())
    assert caught.value.kind == "schema_invalid"
    assert mentions in caught.value.message


def test_events_of_a_stream_refuse_other_types() -> None:
    with pytest.raises(DecodeError) as caught:
        decode_event(plan_created().to_json(), allowed=events_of(Stream.DOSES))
    assert caught.value.kind == "unknown_type"


def test_plan_doses_cannot_precede_its_start() -> None:
    early = ScheduledDose(
        dose_id=uuid.uuid4(),
        due_on=date(2026, 1, 1),
        dose_mcg=1000,
        product="hydroxocobalamin",
        route="IM",
        phase=Phase.LOADING,
    )
    with pytest.raises(ValueError, match="before the plan's start_date"):
        plan_created(doses=[early])


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown IANA timezone"):
        plan_created(timezone="Mars/Olympus")


def test_unknown_fields_are_ignored_for_additive_evolution() -> None:
    body = json.loads(dose_administered("p-1").to_json())
    body["lot_number"] = "A123"
    body["schema_version"] = 2
    assert decode_event(json.dumps(body).encode()).schema_version == 2


def test_cloudevents_headers() -> None:
    event = dose_administered("p-1", correlation_id="corr-1")
    headers = event.cloudevent_headers()
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_id"] == str(event.event_id)
    assert headers["ce_type"] == "DoseAdministered"
    assert headers["ce_time"].endswith("Z")
    assert headers["content-type"] == "application/json"
    assert headers["ce_correlationid"] == "corr-1"


def test_topic_names_follow_the_prefix() -> None:
    topics = Topics(prefix="run1.treatment.")
    assert topics.doses == "run1.treatment.doses"
    assert topics.dlq(topics.doses) == "run1.treatment.doses.dlq"
    assert len(topics.all()) == 2 * len(Stream)


@given(st.text(alphabet="ABCxyz019._-", min_size=1, max_size=64))
def test_any_opaque_id_is_accepted(pid: str) -> None:
    assert isinstance(dose_administered(pid), DoseAdministered)


@given(
    st.text(min_size=1, max_size=80).filter(
        lambda s: any(not (c.isascii() and (c.isalnum() or c in "._-")) for c in s)
    )
)
def test_ids_with_other_characters_are_refused(pid: str) -> None:
    with pytest.raises(ValueError, match="patient_id"):
        dose_administered(pid)
