"""schemathesis against every service's OpenAPI, in process: no 5xx, no undocumented answer.

Each operation gets valid and invalid generated requests with an all-scopes token (invalid ones
include a missing token); operations with path parameters get a second round aimed at data the
test seeded (a plan, a proposal, an alert...), so bodies reach the domain, not just a 404. The
clock and the sweeps go last, so sweepers also run at whatever time the fuzzer pinned.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import status_code_conformance

from shared.db.provision import SERVICES
from shared.settings import KafkaSettings
from tests.integration.labs.support import plan_created
from tests.integration.notifier.builders import response_flagged as alert_flag
from tests.integration.planner.support import response_flagged, shorten_to
from tests.security.conftest import MakeApp
from tests.security.routes import ALL_SCOPES, auth, token
from tests.support.factories import dose_administered, lab_resulted, patient_id
from tests.support.kafka import Publisher
from tests.support.polling import eventually

EXAMPLES = 25  # per operation and round
CHECKS = [not_a_server_error, status_code_conformance]
# Ending a plan or an alert goes after the changes to it; the clock and sweeps after all.
ENDINGS = ("/cancel", "/resolve")
LAST = ("PUT /ops/clock", "POST /ops/sweeps")
REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "schemathesis"


@dataclass
class Tally:
    """What the run sent and what came back."""

    service: str
    operations: list[str] = field(default_factory=list)
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "operations": len(self.operations),
            "cases": sum(self.cases.values()),
            "cases_by_operation": dict(self.cases),
            "statuses": dict(sorted(self.statuses.items())),
            "failures": self.failures,
        }


def _headers() -> dict[str, str]:
    """A fresh all-scopes token (one made at import could expire before the test runs)."""
    return auth(token(*ALL_SCOPES, subject="schemathesis"))


def _label(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _fuzz_operation(
    operation: Any,
    client: asgi.ASGIClient,
    tally: Tally,
    *,
    mode: GenerationMode,
    path_parameters: dict[str, str] | None = None,
) -> None:
    """Up to EXAMPLES cases of one operation, each response checked; failures are collected."""
    label, headers = _label(operation), _headers()
    # A live event stream never ends: keep what it sent in a short window.
    timeout = 0.3 if operation.path.endswith("/stream") else 30
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def one(case: Any) -> None:
        tally.cases[label] += 1
        try:
            response = case.call(session=client, headers=headers, timeout=timeout)
        except Exception as crash:  # the in-process app raised: a 500 behind a real server
            key = f"{label} -> raised {type(crash).__name__}"
            tally.failures.setdefault(key, f"{crash}\n{case.as_curl_command()}")
            return
        tally.statuses[f"{label} {response.status_code}"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, FailureGroup) as failure:  # keep the first of each, go on
            key = f"{label} -> {response.status_code}"
            tally.failures.setdefault(key, f"{failure}\n{response.text[:300]}")

    try:
        one()
    except Unsatisfiable:
        # Nothing to make invalid (no parameters, no body): negative mode has no case.
        assert mode is GenerationMode.NEGATIVE, label


def _fuzz(schema: Any, client: asgi.ASGIClient, tally: Tally, seeded: dict[str, str]) -> None:
    """Every operation (runs in a thread: schemathesis runs the app in a loop of its own)."""
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: (_label(op) in LAST, op.path.endswith(ENDINGS)))
    for operation in operations:
        tally.operations.append(_label(operation))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(operation, client, tally, mode=mode)
        names = {p.name for p in operation.path_parameters}
        if names and names <= seeded.keys():
            pinned = {name: seeded[name] for name in names}
            _fuzz_operation(
                operation, client, tally, mode=GenerationMode.POSITIVE, path_parameters=pinned
            )


async def _seed(name: str, client: asgi.ASGIClient, kafka: KafkaSettings) -> dict[str, str]:
    """Data for the operations' path parameters to point at; returns their values."""

    headers = _headers()

    async def get(url: str) -> Any:
        answer = await asyncio.to_thread(client.get, url, headers=headers)
        return answer.json() if answer.status_code == 200 else None

    patient = patient_id()
    async with Publisher(kafka.bootstrap_servers) as pub:
        if name == "planner":
            today = datetime.now(ZoneInfo("Europe/London")).date()
            body: dict[str, Any] = {
                "patient_id": patient,
                "indication": "pernicious_anaemia",
                "severity": "moderate",
                "neurological_involvement": False,
                "start_date": today.isoformat(),
            }
            created = await asyncio.to_thread(client.post, "/plans", json=body, headers=headers)
            plan_id = created.json()["plan_id"]
            flag = response_flagged(patient, plan_id=plan_id, action=shorten_to(8))
            await pub.event(kafka.topics.flags, flag)
            proposals = await eventually(lambda: get(f"/plans/{plan_id}/proposals"))
            return {
                "patient_id": patient,
                "plan_id": plan_id,
                "proposal_id": proposals[0]["proposal_id"],
            }
        if name in ("adherence", "labs"):
            plan = plan_created(patient)
            await pub.event(kafka.topics.plans, plan)
            await pub.event(kafka.topics.doses, dose_administered(patient, plan_id=plan.plan_id))
            await pub.event(kafka.topics.labs, lab_resulted(patient))
            probe = "/patients/{}/adherence" if name == "adherence" else "/patients/{}/labs"
            await eventually(lambda: get(probe.format(patient)))
            return {"patient_id": patient, "plan_id": str(plan.plan_id)}
        await pub.event(kafka.topics.flags, alert_flag(patient))

        async def alerts() -> list[dict[str, Any]]:
            page = await get(f"/alerts?patient_id={patient}")
            return page["items"] if page else []

        return {"alert_id": (await eventually(alerts))[0]["alert_id"]}


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@pytest.mark.parametrize("name", SERVICES)
async def test_schemathesis_finds_no_server_error_and_no_undocumented_response(
    make_app: MakeApp, security_kafka: KafkaSettings, name: str
) -> None:
    """Generated requests to every operation get documented non-5xx answers only."""
    app: Any = make_app(name)  # an ASGI app, as schemathesis types it
    tally = Tally(name)
    schema = await asyncio.to_thread(schemathesis.openapi.from_asgi, "/openapi.json", app)
    try:
        with asgi.get_client(app) as client:

            async def ready() -> bool:
                return (await asyncio.to_thread(client.get, "/ready")).status_code == 200

            await eventually(ready, timeout=60, what=f"{name} ready")
            seeded = await _seed(name, client, security_kafka)
            await asyncio.to_thread(_fuzz, schema, client, tally, seeded)
    finally:
        await asyncio.to_thread(asgi.shutdown_lifespans)
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / f"{name}.json").write_text(json.dumps(tally.summary(), indent=2))
    assert seeded, f"nothing seeded for {name}"
    assert len(tally.operations) >= 8
    assert all(tally.cases[op] >= 1 for op in tally.operations)
    assert tally.failures == {}, "\n\n".join(f"{k}: {v}" for k, v in tally.failures.items())
