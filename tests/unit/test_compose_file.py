"""docker-compose.yml is valid Compose and wires the platform the way the native stack does.

The Compose Specification schema is vendored in tests/data/compose-spec.json (Apache-2.0,
licence beside it): taken from the copy that the check-jsonschema 0.39.0 wheel ships, so this
test needs no network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema.validators import validator_for

ROOT = Path(__file__).resolve().parents[2]
SERVICE_PORTS = {"planner": 8001, "adherence": 8002, "labs": 8003, "notifier": 8004}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _published(service: dict[str, Any]) -> dict[int, int]:
    """Container port -> host port, from short ("[ip:]host:container") or long port syntax."""
    mapping = {}
    for port in service.get("ports", []):
        if isinstance(port, dict):
            mapping[int(port["target"])] = int(port["published"])
        else:
            *host, container = str(port).split(":")
            mapping[int(container.split("/")[0])] = int(host[-1])
    return mapping


def test_compose_file_matches_the_compose_specification(compose):
    schema = json.loads((ROOT / "tests/data/compose-spec.json").read_text())
    validator_cls = validator_for(schema)
    validator_cls.check_schema(schema)
    errors = sorted(validator_cls(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_rejects_a_broken_file():
    """Guard against a schema that accepts anything (e.g. an empty or truncated vendored file)."""
    schema = json.loads((ROOT / "tests/data/compose-spec.json").read_text())
    broken = {"services": {"planner": {"image": "x", "ports": {"not": "a list"}}}}
    assert not validator_for(schema)(schema).is_valid(broken)


def test_infrastructure_services_publish_their_usual_ports(compose):
    services = compose["services"]
    assert services["kafka"]["image"] == "apache/kafka:4.1.1"
    assert 9092 in _published(services["kafka"]).values()
    assert services["postgres"]["image"] == "postgres:15"
    assert _published(services["postgres"]) == {5432: 5432}


@pytest.mark.parametrize(("name", "port"), SERVICE_PORTS.items())
def test_each_service_gets_its_port_database_and_broker(compose, name, port):
    service = compose["services"][name]
    env = service["environment"]
    prefix = name.upper()
    assert env["SERVICE"] == name
    assert int(env[f"{prefix}_HTTP_PORT"]) == port
    assert env[f"{prefix}_HTTP_HOST"] == "0.0.0.0"
    assert env[f"{prefix}_DATABASE_URL"].startswith(f"postgresql://{name}:")
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert _published(service) == {port: port}
    assert service["depends_on"]["provision"]["condition"] == "service_completed_successfully"
    assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    assert f"{port}/ready" in " ".join(service["healthcheck"]["test"])


def test_setup_jobs_run_the_same_code_as_the_native_stack(compose):
    services = compose["services"]
    assert services["provision"]["command"] == ["python", "-m", "shared.db.provision"]
    assert services["provision"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["topics"]["command"] == ["python", "-m", "devstack", "topics"]
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
