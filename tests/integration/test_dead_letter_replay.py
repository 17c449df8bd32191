"""Dead letters can be listed and replayed after a fix, to exactly one effect."""

from __future__ import annotations

import asyncpg

from shared.settings import KafkaSettings
from tests.integration.probe.app import ProbeSettings, build_app
from tests.support.factories import dose_administered, patient_id
from tests.support.kafka import Publisher
from tests.support.polling import eventually
from tests.support.services import bearer, running


async def test_list_and_replay_a_dead_letter_after_the_fix(
    probe_settings: ProbeSettings,
    kafka_settings: KafkaSettings,
    admin_pool: asyncpg.Pool,
) -> None:
    patient = patient_id()
    event = dose_administered(patient, administration_id="reject-until-fixed")
    schema = probe_settings.db_schema
    app = build_app(probe_settings)

    async def effects() -> int:
        return int(
            await admin_pool.fetchval(
                f'select count(*) from "{schema}".effects where patient_id = $1', patient
            )
        )

    async with (
        running(app, headers=bearer("ops")) as ops,
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        await pub.event(kafka_settings.topics.doses, event)

        async def listed() -> list[dict[str, object]]:
            answer = await ops.get("/dead-letters", params={"kind": "domain_rejected"})
            return [d for d in answer.json() if d["event_id"] == str(event.event_id)]

        (letter,) = await eventually(listed, what="the dead letter in the API")
        assert letter["error_message"] == "refused"
        assert letter["source_topic"] == kafka_settings.topics.doses

        # Only ops may replay.
        clinic = await ops.post(
            "/dead-letters/replay", json={"ids": [letter["id"]]}, headers=bearer("clinic")
        )
        assert clinic.status_code == 403

        app.state.runtime.extras["refuse"] = None  # the cause is fixed
        answer = await ops.post("/dead-letters/replay", json={"ids": [letter["id"], 10**12]})
        assert answer.status_code == 200
        assert answer.json() == {"replayed": [letter["id"]], "missing": [10**12]}

        async def one_effect() -> int:
            return await effects()

        assert await eventually(one_effect, what="the replayed effect") == 1

        # A second replay of the same record is deduplicated by its event id.
        await ops.post("/dead-letters/replay", json={"ids": [letter["id"]]})
        marker = dose_administered(patient, administration_id="marker")
        await pub.event(kafka_settings.topics.doses, marker)

        async def marker_seen() -> int:
            return await effects() if await effects() >= 2 else 0

        assert await eventually(marker_seen, what="the marker") == 2
        (after,) = await listed()
        assert after["replay_count"] == 2
        actors = await admin_pool.fetch(
            f'select actor from "{schema}".dead_letter_replays where dead_letter_id = $1',
            letter["id"],
        )
        assert [a["actor"] for a in actors] == ["tester-1", "tester-1"]


async def test_replay_validates_its_input(probe_settings: ProbeSettings) -> None:
    async with running(build_app(probe_settings), headers=bearer("ops")) as ops:
        empty = await ops.post("/dead-letters/replay", json={"ids": []})
        assert empty.status_code == 422
        assert "ids" in empty.json()["detail"]
        unauthenticated = await ops.get("/dead-letters", headers={"Authorization": ""})
        assert unauthenticated.status_code == 401
