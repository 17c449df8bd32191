"""Administrations through treatment.doses: recorded once, parked before their plan, refused
when they can never be processed, not-done counted as a miss at once."""

from __future__ import annotations

import json
import uuid
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


async def _administrations(adherence: Harness, patient: str) -> list[Any]:
    return await adherence.rows(
        "select administration_id, outcome, dose_id, timing from {s}.administrations"
        " where patient_id = $1 order by id",
        patient,
    )


async def test_a_duplicate_event_and_a_resent_administration_are_recorded_once(
    adherence: Harness,
) -> None:
    patient = patient_id()
    day = today()
    plan = plan_created(
        patient,
        start=day - timedelta(days=2),
        doses=[scheduled(day - timedelta(days=2)), scheduled(day)],
    )
    given = dose_administered(
        patient, plan_id=plan.plan_id, administered_at=datetime.now(UTC) - timedelta(minutes=30)
    )
    resent = given.model_copy(update={"event_id": uuid.uuid4()})  # same source + id
    marker = dose_administered(patient, plan_id=plan.plan_id, administration_id="marker")
    await adherence.publish(plan, given, given, resent, marker)

    async def marker_recorded() -> list[Any]:
        rows = await _administrations(adherence, patient)
        return rows if any(r["administration_id"] == "marker" for r in rows) else []

    rows = await eventually(marker_recorded, what="the marker administration")
    assert [r["administration_id"] for r in rows] == [given.administration_id, "marker"]
    assert {r["outcome"] for r in rows} == {"matched"}
    assert [d["status"] for d in doses_of(await adherence.patient(patient))] == ["given", "given"]


async def test_a_dose_before_its_plan_is_parked_then_matched_when_the_plan_arrives(
    adherence: Harness,
) -> None:
    patient = patient_id()
    day = today()
    dose = scheduled(day, product="hydroxocobalamin", route="IM")
    plan = plan_created(patient, start=day, doses=[dose, scheduled(day + timedelta(days=2))])
    given = dose_administered(
        patient,
        plan_id=plan.plan_id,
        administered_at=datetime.now(UTC) - timedelta(minutes=5),
        route="SC",  # a discrepancy, visible once matched
    )
    await adherence.publish(given)

    async def parked() -> list[Any]:
        body = (await adherence.client.get(f"/patients/{patient}/adherence")).json()
        return [u for u in body.get("unmatched_administrations", []) if u["outcome"] == "parked"]

    [waiting] = await eventually(parked, what="the administration parked")
    assert waiting["administration_id"] == given.administration_id
    assert waiting["plan_id"] == str(plan.plan_id)

    await adherence.publish(plan)

    async def matched() -> dict[str, Any]:
        body = await adherence.patient(patient)
        first = doses_of(body)[0] if body["plans"] else None
        return body if first and first["status"] == "given" else {}

    body = await eventually(matched, what="the parked dose matched")
    first = doses_of(body)[0]
    assert first["dose_id"] == str(dose.dose_id)
    assert first["administration_id"] == given.administration_id
    assert first["discrepancies"] == [{"field": "route", "scheduled": "IM", "administered": "SC"}]
    assert body["unmatched_administrations"] == []
    [row] = await adherence.rows(
        "select reconciled_as, reconciled_at from {s}.parked_administrations p"
        " join {s}.administrations a on a.id = p.administration_pk where a.patient_id = $1",
        patient,
    )
    assert row["reconciled_as"] == "matched"
    assert row["reconciled_at"] is not None


async def test_not_done_is_a_miss_at_once(adherence: Harness) -> None:
    patient = patient_id()
    day = today()
    dose = scheduled(day)
    plan = plan_created(
        patient,
        start=day,
        doses=[dose, scheduled(day + timedelta(days=2))],
        neurological_involvement=True,
    )
    refused = dose_administered(
        patient,
        plan_id=plan.plan_id,
        status="not-done",
        status_reason="patient declined",
        administered_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    await adherence.publish(plan, refused)

    [missed] = await eventually(
        lambda: adherence.adherence_events(patient, type="DoseMissed"), what="DoseMissed"
    )
    assert missed["dose_id"] == str(dose.dose_id)
    assert missed["not_done"] is True
    assert missed["consecutive_missed"] == 1
    # Declared at once, long before the window closes.
    assert datetime.fromisoformat(missed["occurred_at"]) < datetime.fromisoformat(
        missed["window_closed_at"]
    )
    [flag] = await eventually(
        lambda: adherence.flags(patient, reason="MISSED_LOADING_DOSE"), what="the flag"
    )
    assert flag["severity"] == "urgent"  # neurological involvement
    assert flag["raised_by"] == "adherence"
    statuses = [d["status"] for d in doses_of(await adherence.patient(patient))]
    assert statuses[0] == "not-done"


async def test_a_future_administration_and_an_unknown_product_are_dead_lettered(
    adherence: Harness,
) -> None:
    patient = patient_id()
    day = today()
    plan = plan_created(patient, start=day, doses=[scheduled(day)], phases=())
    future = dose_administered(
        patient, plan_id=plan.plan_id, administered_at=datetime.now(UTC) + timedelta(hours=2)
    )
    unknown = json.loads(dose_administered(patient, plan_id=plan.plan_id).to_json())
    unknown["product"] = "methylcobalamin"
    await adherence.publish(plan, future)
    await adherence.publisher.raw(
        adherence.runtime.topics.doses, json.dumps(unknown).encode(), key=patient.encode()
    )

    async def dead() -> list[Any]:
        rows = await adherence.rows(
            "select error_kind, error_message from {s}.dead_letters where key = $1"
            " order by source_offset",
            patient.encode(),
        )
        return rows if len(rows) == 2 else []

    letters = {r["error_kind"]: r["error_message"] for r in await eventually(dead, what="DLQ")}
    assert set(letters) == {"administered_in_future", "schema_invalid"}
    assert "clock-skew tolerance" in letters["administered_in_future"]
    assert "product" in letters["schema_invalid"]
    assert await _administrations(adherence, patient) == []

    async def on_dlq() -> list[Any]:
        topic = adherence.runtime.topics.dlq(adherence.runtime.topics.doses)
        records = await read_topic(adherence.bootstrap, topic)
        mine = [r for r in records if r.key == patient.encode()]
        return mine if len(mine) == 2 else []

    kinds = sorted(r.headers["dlq_error_kind"] for r in await eventually(on_dlq, what="DLQ"))
    assert kinds == ["administered_in_future", "schema_invalid"]


async def test_a_dose_matching_nothing_is_recorded_as_unscheduled(adherence: Harness) -> None:
    patient = patient_id()
    day = today()
    plan = plan_created(
        patient, start=day, doses=[scheduled(day + timedelta(days=20), Phase.MAINTENANCE)]
    )
    extra = dose_administered(patient, administered_at=datetime.now(UTC) - timedelta(hours=3))
    await adherence.publish(plan, extra)

    async def recorded() -> list[Any]:
        return await _administrations(adherence, patient)

    [row] = await eventually(recorded, what="the administration")
    assert row["outcome"] == "unscheduled"
    body = await adherence.patient(patient)
    assert [u["administration_id"] for u in body["unmatched_administrations"]] == [
        extra.administration_id
    ]
    assert [d["status"] for d in doses_of(body)] == ["upcoming"]
