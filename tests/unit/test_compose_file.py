"""docker-compose.yml is valid Compose and wires the platform the way the native stack does.

Prometheus and Grafana get their files from ops/: the mounts, the scrape targets, the
provisioned datasource and dashboard are checked against each other and the services.

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
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


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


def _binds(service: dict[str, Any]) -> dict[str, Path]:
    """Container path -> host path of a service's bind mounts (short or long syntax)."""
    binds = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume["type"] == "bind":
                binds[volume["target"]] = ROOT / volume["source"]
        else:
            source, target, *_ = str(volume).split(":")
            if source.startswith((".", "/")):
                binds[target] = ROOT / source
    return binds


def _named_volumes(service: dict[str, Any]) -> set[str]:
    return {
        str(v).split(":")[0]
        for v in service.get("volumes", [])
        if not isinstance(v, dict) and not str(v).startswith((".", "/"))
    }


def test_every_bind_mount_source_exists(compose):
    sources = [path for svc in compose["services"].values() for path in _binds(svc).values()]
    assert sources
    assert [path for path in sources if not path.exists()] == []


def test_named_volumes_are_declared(compose):
    used = set().union(*(_named_volumes(svc) for svc in compose["services"].values()))
    assert used == {"prometheus-data", "grafana-data"}
    assert used <= set(compose["volumes"])


def test_prometheus_scrapes_the_four_services_at_their_compose_hostnames(compose):
    prometheus = compose["services"]["prometheus"]
    assert prometheus["image"].startswith("prom/prometheus:")
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    config_file = _binds(prometheus)["/etc/prometheus/prometheus.yml"]
    assert config_file == ROOT / "ops/prometheus/prometheus.yml"
    config = yaml.safe_load(config_file.read_text())
    (job,) = config["scrape_configs"]
    assert job.get("metrics_path", "/metrics") == "/metrics"
    scraped = {
        target: group["labels"]["service"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    assert scraped == {f"{name}:{port}": name for name, port in SERVICE_PORTS.items()}
    for name, port in SERVICE_PORTS.items():  # the hostname is a compose service on that port
        assert int(compose["services"][name]["environment"][f"{name.upper()}_HTTP_PORT"]) == port
    assert _published(prometheus) == {9090: 9090}


def test_grafana_gets_the_prometheus_datasource_and_the_dashboard(compose):
    grafana = compose["services"]["grafana"]
    assert grafana["image"].startswith("grafana/grafana:")
    binds = _binds(grafana)
    provisioning = binds["/etc/grafana/provisioning"]
    assert provisioning == ROOT / "ops/grafana/provisioning"
    datasources = yaml.safe_load((provisioning / "datasources/prometheus.yaml").read_text())
    (source,) = datasources["datasources"]
    assert (source["type"], source["uid"], source["url"]) == (
        "prometheus",
        "prometheus",
        "http://prometheus:9090",
    )
    providers = yaml.safe_load((provisioning / "dashboards/b12-platform.yaml").read_text())
    (provider,) = providers["providers"]
    dashboards = binds[provider["options"]["path"]]
    assert dashboards == ROOT / "ops/grafana/dashboards"
    assert json.loads((dashboards / "b12-platform.json").read_text())["title"] == "B12 platform"
    env = grafana["environment"]
    home = Path(env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"])
    assert home.parent == Path(provider["options"]["path"])
    assert (dashboards / home.name).exists()
    assert env["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    assert env["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD")
    assert _published(grafana) == {3000: 3000}
    assert grafana["depends_on"]["prometheus"]["condition"] == "service_healthy"
