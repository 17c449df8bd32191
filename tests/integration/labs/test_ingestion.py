"""Results in: duplicates, amendments, cancellations, bad units, unknown codes, early arrivals."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from services.labs import store
from services.labs.settings import LabsSettings
from shared.contracts import LabResulted
from shared.settings import KafkaSettings
from tests.integration.labs.support import B12, HB, POTASSIUM, RETIC, Clinic, lab_evidence
from tests.support.kafka import read_topic
from tests.support.polling import eventually


def _versions(view: dict[str, Any], event: LabResulted) -> list[dict[str, Any]]:
    return [e for e in view["entries"] if e["result_id"] == event.result_id]


async def _result_rows(admin_pool: asyncpg.Pool, settings: LabsSettings, event: LabResulted) -> int:
    return int(
        await admin_pool.fetchval(
            f'select count(*) from "{settings.db_schema}".results'
            " where source = $1 and result_id = $2",
            event.source,
            event.result_id,
        )
    )


async def test_duplicates_are_one_result(
    clinic: Clinic, admin_pool: asyncpg.Pool, labs_settings: LabsSettings
) -> None:
    await clinic.start_treatment()
    low = clinic.lab(POTASSIUM, 3.1, "mmol/L", day=2)
    resent = low.model_copy(update={"event_id": uuid.uuid4()})
    view = await clinic.results(low, low, resent, clinic.lab(RETIC, 5.0, "%", day=7))
    (entry,) = _versions(view, low)
    assert (entry["state"], entry["value"]) == ("effective", 3.1)
    assert await _result_rows(admin_pool, labs_settings, low) == 1
    (flag,) = await clinic.published_flags()
    assert flag["reason"] == "HYPOKALAEMIA"


async def test_an_amendment_supersedes_and_re_evaluates(clinic: Clinic) -> None:
    await clinic.start_treatment()
    first = clinic.lab(POTASSIUM, 3.1, "mmol/L", day=2, result_id="k")
    await clinic.results(first)
    (raised,) = await clinic.published_flags()

    amended = clinic.lab(
        POTASSIUM, 3.0, "mmol/L", day=2, result_id="k", status="amended", reported_after_hours=30
    )
    await clinic.results(amended)

    async def replacement() -> list[dict[str, Any]]:
        flags = await clinic.flags()
        return flags if len(flags) == 2 else []

    _, replacing = await eventually(replacement, what="the flag on the amended result")
    assert replacing["reason"] == "HYPOKALAEMIA"
    assert replacing["supersedes_flag_id"] == raised["flag_id"]
    assert [i["value"] for i in lab_evidence(replacing)] == [3.0]

    corrected = clinic.lab(
        POTASSIUM, 4.0, "mmol/L", day=2, result_id="k", status="corrected", reported_after_hours=54
    )
    view = await clinic.results(corrected)
    assert [(v["status"], v["state"]) for v in _versions(view, first)] == [
        ("final", "superseded"),
        ("amended", "superseded"),
        ("corrected", "effective"),
    ]
    response = await clinic.view("response")
    assert response is not None
    assert {(f["flag_id"], f["status"]) for f in response["findings"]} == {
        (raised["flag_id"], "withdrawn"),
        (replacing["flag_id"], "withdrawn"),
    }
    # A correction that no longer meets the rule withdraws the finding and flags nothing new.
    assert len(await clinic.published_flags()) == 2


async def test_a_cancelled_result_leaves_evaluation(clinic: Clinic) -> None:
    await clinic.start_treatment()
    low = clinic.lab(POTASSIUM, 3.1, "mmol/L", day=2, result_id="k")
    await clinic.results(low)
    (flag,) = await clinic.published_flags()
    cancelled = clinic.lab(
        POTASSIUM, 3.1, "mmol/L", day=2, result_id="k", status="cancelled", reported_after_hours=9
    )
    view = await clinic.results(cancelled)
    (cancellation,) = [v for v in _versions(view, low) if v["status"] == "cancelled"]
    assert cancellation["state"] == "cancelled"
    assert cancellation["evaluated"] is False
    response = await clinic.view("response")
    assert response is not None
    assert [(f["flag_id"], f["status"]) for f in response["findings"]] == [
        (flag["flag_id"], "withdrawn")
    ]
    assert response["analytes"] == []


async def test_a_bad_unit_for_a_known_code_is_dead_lettered_with_the_reason(
    clinic: Clinic,
    admin_pool: asyncpg.Pool,
    labs_settings: LabsSettings,
    kafka_settings: KafkaSettings,
) -> None:
    await clinic.start_treatment()
    unconvertible = clinic.lab(B12, 300, "mIU/L", day=56)
    unknown = clinic.lab(HB, 12, "bananas/L", day=56)
    view = await clinic.results(unconvertible, unknown, clinic.lab(HB, 130, "g/L", day=57))
    assert _versions(view, unconvertible) == _versions(view, unknown) == []

    schema = labs_settings.db_schema
    rows = await admin_pool.fetch(
        f'select event_id, error_kind, error_message from "{schema}".dead_letters'
        " where event_id = any($1::uuid[]) order by id",
        [unconvertible.event_id, unknown.event_id],
    )
    assert [(row["event_id"], row["error_kind"]) for row in rows] == [
        (unconvertible.event_id, "unconvertible_unit"),
        (unknown.event_id, "unknown_unit"),
    ]
    assert "2132-9" in rows[0]["error_message"]
    assert "'mIU/L'" in rows[0]["error_message"]
    assert "'bananas/L'" in rows[1]["error_message"]

    dlq = kafka_settings.topics.dlq(kafka_settings.topics.labs)

    async def dead_lettered() -> dict[str, dict[str, str]]:
        found = {
            r.headers["ce_id"]: r.headers
            for r in await read_topic(kafka_settings.bootstrap_servers, dlq)
            if r.headers.get("ce_id") in (str(unconvertible.event_id), str(unknown.event_id))
        }
        return found if len(found) == 2 else {}

    headers = await eventually(dead_lettered, what="both records on the DLQ topic")
    bad = headers[str(unconvertible.event_id)]
    assert bad["dlq_error_kind"] == "unconvertible_unit"
    assert "cannot express Vitamin B12" in bad["dlq_error_message"]
    assert bad["dlq_original_topic"] == kafka_settings.topics.labs
    assert bad["dlq_service"] == "labs"
    assert headers[str(unknown.event_id)]["dlq_error_kind"] == "unknown_unit"


async def test_an_unknown_code_is_kept_but_not_evaluated(clinic: Clinic) -> None:
    await clinic.start_treatment()
    unknown = clinic.lab("99999-9", 7.5, "mmol/L", day=3)
    view = await clinic.results(unknown)
    (entry,) = _versions(view, unknown)
    assert entry["state"] == "unrecognised"
    assert entry["evaluated"] is False
    assert "not evaluated" in entry["note"]
    assert (entry["analyte"], entry["value"]) == (None, None)
    assert (entry["original_value"], entry["original_unit"]) == (7.5, "mmol/L")


async def test_results_before_the_plan_are_evaluated_when_it_arrives(clinic: Clinic) -> None:
    early = clinic.lab(POTASSIUM, 3.1, "mmol/L", day=2)
    view = await clinic.results(clinic.lab(HB, 95, "g/L", day=-5), early)
    assert view["plan"] is None
    assert {e["note"] for e in view["entries"]} == {
        "no active plan yet: evaluated once a plan arrives"
    }
    assert not any(e["evaluated"] for e in view["entries"])

    plan = await clinic.start_treatment()

    async def flagged() -> list[dict[str, Any]]:
        return await clinic.flags()

    (flag,) = await eventually(flagged, what="the flag once the plan arrived")
    assert (flag["reason"], flag["plan_id"]) == ("HYPOKALAEMIA", str(plan.plan_id))
    assert len(await clinic.published_flags()) == 1


async def test_a_result_already_received_for_another_patient_is_dead_lettered(
    clinic: Clinic, other_clinic: Clinic, admin_pool: asyncpg.Pool, labs_settings: LabsSettings
) -> None:
    mine = clinic.lab(HB, 120, "g/L", day=1)
    await clinic.results(mine)
    theirs = other_clinic.lab(HB, 80, "g/L", day=1).model_copy(update={"result_id": mine.result_id})
    view = await other_clinic.results(theirs, other_clinic.lab(HB, 81, "g/L", day=2))
    assert _versions(view, theirs) == []
    kind = await admin_pool.fetchval(
        f'select error_kind from "{labs_settings.db_schema}".dead_letters where event_id = $1',
        theirs.event_id,
    )
    assert kind == "result_of_another_patient"


async def test_one_patient_is_evaluated_by_one_transaction_at_a_time(
    labs: httpx.AsyncClient, labs_app: FastAPI
) -> None:
    pool: asyncpg.Pool = labs_app.state.runtime.pool
    patient = f"p-{uuid.uuid4().hex[:12]}"
    async with pool.acquire() as first, pool.acquire() as second:
        holder = first.transaction()
        await holder.start()
        await store.lock_patient(first, patient)
        second_pid = second.get_server_pid()

        async def lock_in_second() -> None:
            async with second.transaction():
                await store.lock_patient(second, patient)

        waiting = asyncio.create_task(lock_in_second())

        async def blocked() -> bool:
            return bool(
                await pool.fetchval(
                    "select wait_event_type = 'Lock' from pg_stat_activity where pid = $1",
                    second_pid,
                )
            )

        await eventually(blocked, what="the second transaction waiting for the patient")
        assert not waiting.done()
        await holder.commit()
        await asyncio.wait_for(waiting, 10)
