"""Newlines and control characters in inputs cannot forge log lines: every line stays one JSON
object, whatever a path, a header, a note or a dead-lettered record carries."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.db.provision import ServiceDatabase
from shared.observability.logging import configure_logging
from shared.settings import KafkaSettings
from tests.integration.notifier.builders import response_flagged
from tests.integration.probe.app import ProbeSettings
from tests.integration.probe.app import build_app as probe_app
from tests.security.conftest import MakeApp
from tests.security.routes import auth, token
from tests.support.factories import dose_administered, patient_id
from tests.support.kafka import Publisher
from tests.support.polling import eventually
from tests.support.services import running
from tests.support.stack import Stack, settings_for

FORGED = '{"time": "2026-01-01 00:00:00,000", "level": "CRITICAL", "message": "forged"}'
INJECTIONS = [
    f"p-1\n{FORGED}",
    f"p-1\r\n{FORGED}",
    f"p-1\u2028{FORGED}",
    f"p-1\x00\x1b[2K\r{FORGED}",
    f"p-1\x85{FORGED}",
]


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """The root logger's output, captured (the previous handlers come back afterwards)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("security", "DEBUG", stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


def _assert_no_forged_lines(output: str, *, at_least: int = 1) -> list[dict[str, object]]:
    """Each line is one JSON object in printable ASCII; none is, or starts with, an injection."""
    lines = output.splitlines()
    assert len(lines) >= at_least, output[:2000]
    records = []
    for line in lines:
        assert line.isascii(), line
        assert line.isprintable(), line
        assert not line.startswith(FORGED)
        record = json.loads(line)
        assert isinstance(record, dict), line
        assert {"time", "level", "message"} <= record.keys(), line
        assert record["message"] != "forged"
        records.append(record)
    return records


@given(
    message=st.text(),
    value=st.text() | st.sampled_from(INJECTIONS),
    name=st.sampled_from(["patient_id", "note", "error", "by", "detail"]),
)
@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
def test_any_text_in_a_message_or_a_field_stays_inside_one_json_line(
    message: str, value: str, name: str
) -> None:
    """Whatever is logged, message argument or extra field, comes out as exactly one line."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("security", "DEBUG", stream=stream)
    try:
        log = logging.getLogger("tests.security.forging")
        log.warning("received %s", message, extra={name: value})
        try:
            raise ValueError(value)
        except ValueError:
            log.exception("failed on %r", value)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    records = _assert_no_forged_lines(stream.getvalue(), at_least=2)
    assert len(records) == 2
    assert records[0]["message"] == f"received {message}"


async def test_requests_and_poison_records_cannot_forge_service_log_lines(
    make_app: MakeApp,
    stack: Stack,
    security_databases: dict[str, ServiceDatabase],
    security_kafka: KafkaSettings,
    log_stream: io.StringIO,
) -> None:
    """Injected path parameters, headers, notes and dead-lettered bodies leave the lines intact."""
    probe_settings = settings_for(
        ProbeSettings,
        name="probe",
        stack=stack,
        databases=security_databases,
        kafka=security_kafka,
    )
    planner, notifier, probe = make_app("planner"), make_app("notifier"), probe_app(probe_settings)
    configure_logging("security", "DEBUG", stream=log_stream)  # the apps set stderr up again
    patient = patient_id()
    async with (
        running(planner) as planner_client,
        running(notifier) as notifier_client,
        running(probe),
        Publisher(security_kafka.bootstrap_servers) as pub,
    ):
        for injected in INJECTIONS:
            answer = await planner_client.get(
                f"/patients/{quote(injected, safe='')}/plans",
                headers={"traceparent": injected.encode("unicode_escape").decode()},
            )
            assert answer.status_code == 422
            refused = await planner_client.get("/protocols", headers=auth(f"x{injected!r}"))
            assert refused.status_code == 401
            await pub.raw(
                security_kafka.topics.doses,
                injected.encode(),
                key=injected.encode(),
                headers={"ce_type": injected.encode(), injected[:20]: b"\n\r\x00"},
            )
            valid = dose_administered(patient, administration_id=f"boom{injected}")
            await pub.event(security_kafka.topics.doses, valid)
        await pub.event(security_kafka.topics.flags, response_flagged(patient))

        async def alert() -> list[dict[str, object]]:
            answer = await notifier_client.get("/alerts", params={"patient_id": patient})
            return list(answer.json()["items"])

        (opened,) = await eventually(alert, what="the alert")
        staff = auth(token("staff", subject=INJECTIONS[0][:60]))
        for injected in INJECTIONS:
            acked = await notifier_client.post(
                f"/alerts/{opened['alert_id']}/acknowledge",
                json={"by": injected, "note": injected},
                headers=staff,
            )
            # NUL cannot be stored: refused (422) rather than a 500.
            assert acked.status_code == (422 if "\x00" in injected else 200), acked.text

        async def dead_lettered() -> bool:
            return log_stream.getvalue().count("event failed permanently") >= len(INJECTIONS)

        await eventually(dead_lettered, what="the failing events logged")
    records = _assert_no_forged_lines(log_stream.getvalue(), at_least=10)
    assert any(r["message"] == "event failed permanently" for r in records)
