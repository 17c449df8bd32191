"""Administrations through treatment.doses: idempotent, parked before their plan, refused when
they can never be processed, and not-done counted as a miss at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts import Phase
from tests.integration.adherence.support import (
    Harness,
    doses_of,
    plan_created,
    scheduled,
    today,
)
from tests.support.factories import dose_administered, patient_id
from tests.support.kafka import read_topic
from tests.support.polling import eventually


async def test_a_duplicate_event_and_a_resent_administration_are_recorded_once(
    adherence: Harness,
) -> None:
    patient = patient_id()
    day = today()
    plan = plan_created(
        patient, start=day - timedelta(days=2), doses=[scheduled(day - timedelta(days=2)), scheduled(day)]
    )
    given = dose_administered(patient, plan_id=plan.plan_id, administered_at=datetime.now(UTC) - timedelta(minutes=30))
    resent = given.model_copy(update={"event_id": __import__("uuid").uuid4()})
    marker = dose_administered(patient, plan_id=plan.plan_id, administration_id="marker")
    await adherence.publish(plan, given, given, resent, marker)

    async def recorded() -> list[Any]:
        rows = await adherence.rows(
            "select administration_id, outcome from {s}.administrations where patient_id = $1"
            " order by id",
            patient,
        )
        return rows if any(r["administration_id"] == "marker" for r in rows) else []

    rows = await eventually(recorded, what="the marker administration")
    assert [r["administration_id"] for r in rows] == [given.administration_id, "marker"]
    assert {r["outcome"] for r in rows} == {"matched"}
    statuses = [d["status"] for d in doses_of(await adherence.patient(patient))]
    assert statuses == ["given", "given"]
