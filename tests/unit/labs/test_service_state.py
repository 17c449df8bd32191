"""The service's view of a patient: which plan is current, and settings from the environment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from services.labs.domain import Analyte, LabsConfig, context_from_plan
from services.labs.settings import LabsSettings
from services.labs.state import PatientState, StoredPlan
from shared.contracts import DoseAdministered, PlanAdjusted, PlanCreated

from .builders import START, phase, standard_phases

CONFIG = LabsConfig()
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def plan(*, start: date = START) -> PlanCreated:
    return PlanCreated.model_validate(
        {
            "event_id": uuid4(),
            "occurred_at": NOW,
            "patient_id": "patient-1",
            "source": "planner",
            "plan_id": uuid4(),
            "protocol_id": "uk",
            "protocol_version": 1,
            "indication": "pernicious_anaemia",
            "severity": "moderate",
            "neurological_involvement": False,
            "lifelong": True,
            "start_date": start,
            "timezone": "UTC",
            "phases": list(standard_phases()),
            "doses": [],
        }
    )


def stored(created: PlanCreated, seq: int) -> StoredPlan:
    return StoredPlan(
        plan_id=created.plan_id,
        start_date=created.start_date,
        context=context_from_plan(created),
        seq=seq,
    )


def dose(created: PlanCreated, at: datetime) -> DoseAdministered:
    return DoseAdministered.model_validate(
        {
            "event_id": uuid4(),
            "occurred_at": at,
            "patient_id": "patient-1",
            "source": "clinic",
            "administration_id": str(uuid4()),
            "plan_id": created.plan_id,
            "administered_at": at,
            "product": "hydroxocobalamin",
            "dose_mcg": 1000,
            "route": "IM",
            "status": "completed",
        }
    )


def test_no_plan_no_clock():
    assert PatientState(patient_id="patient-1").context(CONFIG) is None


def test_the_active_plan_starting_last_is_current():
    early, late = plan(), plan(start=START + timedelta(days=30))
    state = PatientState(
        patient_id="patient-1", plans={p.plan_id: stored(p, n) for n, p in enumerate([late, early])}
    )
    context = state.context(CONFIG)
    assert context is not None
    assert context.plan_id == late.plan_id
    state.cancelled.add(late.plan_id)
    context = state.context(CONFIG)
    assert context is not None
    assert context.plan_id == early.plan_id
    state.cancelled.add(early.plan_id)
    assert state.context(CONFIG) is None


def test_adjustments_and_doses_that_came_first_apply_once_the_plan_is_there():
    created = plan()
    first_at = datetime(2026, 1, 6, 9, tzinfo=UTC)
    adjustment = PlanAdjusted.model_validate(
        {
            "event_id": uuid4(),
            "occurred_at": NOW,
            "patient_id": "patient-1",
            "source": "planner",
            "plan_id": created.plan_id,
            "adjustment_id": uuid4(),
            "effective_from": START + timedelta(days=7),
            "reason": "",
            "phases": [phase(standard_phases()[1].phase, START + timedelta(days=7))],
            "doses": [],
        }
    )
    state = PatientState(
        patient_id="patient-1",
        adjustments=[adjustment],
        doses={
            ("clinic", "late"): dose(created, first_at + timedelta(days=2)),
            ("clinic", "first"): dose(created, first_at),
        },
    )
    assert state.context(CONFIG) is None
    state.plans[created.plan_id] = stored(created, 1)
    context = state.context(CONFIG)
    assert context is not None
    assert context.first_dose_at == first_at
    assert [p.starts_on for p in context.phases] == [START, START + timedelta(days=7)]
    assert context.phases[0].ends_on == START + timedelta(days=6)


def test_settings_take_the_clinical_config_from_the_environment(monkeypatch):
    monkeypatch.setenv(
        "LABS_CONFIG",
        '{"laboratory_ranges": {"lab-1": {"b12": {"low": 180, "unit": "ng/L", "source": "lab"}}},'
        ' "local_codes": {"B12-LOCAL": "b12"}}',
    )
    monkeypatch.setenv(
        "LABS_CONFIG__HYPOKALAEMIA__WITHIN_DAYS", '{"value": 3, "unit": "d", "source": "clinic"}'
    )
    settings = LabsSettings()
    assert (settings.service_name, settings.http_port, settings.db_schema) == ("labs", 8003, "labs")
    assert settings.config.laboratory_ranges["lab-1"][Analyte.B12].low == 180
    assert settings.config.local_codes == {"B12-LOCAL": Analyte.B12}
    assert settings.config.hypokalaemia.within_days.value == 3
    assert settings.config.thresholds == CONFIG.thresholds


def test_settings_refuse_a_range_in_a_unit_its_analyte_cannot_have(monkeypatch):
    monkeypatch.setenv(
        "LABS_CONFIG",
        '{"default_ranges": {"b12": {"low": 1, "unit": "fL", "source": "typo"}}}',
    )
    with pytest.raises(ValidationError, match="cannot express"):
        LabsSettings()
