"""The provisioned Grafana dashboard queries only metrics that the services really expose.

The /metrics texts come from the four apps built in-process (no Kafka, no Postgres): each
ServiceRuntime creates its metrics registry at construction. Labelled metrics print samples
only once a child exists, so the names are derived from the HELP/TYPE families instead.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "ops/grafana/dashboards/b12-platform.json"
SERVICES = ("planner", "adherence", "labs", "notifier")
BUILTINS = {"up"}  # recorded by Prometheus itself for every scrape target

# Panel title -> the metrics its queries must read.
EXPECTED = {
    "Up per service": {"up"},
    "Events processed/s by service and type": {"b12_events_processed_total"},
    "Failed and dead-lettered by kind": {"b12_events_failed_total", "b12_dead_lettered_total"},
    "Consumer lag by topic and partition": {"b12_consumer_lag"},
    "Outbox backlog": {"b12_outbox_backlog"},
    "Outbox oldest unsent age": {"b12_outbox_oldest_age_seconds"},
    "Handler latency p95 by topic": {"b12_handler_seconds_bucket"},
    "Sweeper last run age": {"b12_sweeper_last_run_timestamp_seconds"},
    "Sweeper findings (last hour)": {"b12_sweeper_findings_total"},
    "HTTP requests/s by route": {"b12_http_requests_total"},
    "HTTP latency p95 by route": {"b12_http_request_seconds_bucket"},
}

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
KEYWORDS |= {"and", "or", "unless", "atan2", "inf", "nan"}
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_VARIABLES = re.compile(r"\$(?:\{[^}]*\}|\w+)")
_GROUPING = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE
)
_IDENTIFIER = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)(\s*\()?")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (not functions, labels or keywords)."""
    text = _STRINGS.sub('""', expr)
    for pattern in (_MATCHERS, _RANGES, _VARIABLES, _GROUPING):
        text = pattern.sub(" ", text)
    return {
        name
        for name, call in _IDENTIFIER.findall(text)
        if not call and name.lower() not in KEYWORDS
    }


def exposed_names(text: str) -> set[str]:
    """Every sample name the families in a Prometheus text exposition can produce."""
    names = set()
    for line in text.splitlines():
        if not line.startswith("# TYPE "):
            continue
        _, _, name, kind = line.split()
        if kind == "counter":
            base = name.removesuffix("_total")
            names |= {f"{base}_total", f"{base}_created"}
        elif kind == "histogram":
            names |= {name + suffix for suffix in ("_bucket", "_sum", "_count", "_created")}
        else:
            names.add(name)
    return names


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        if panel.get("type") == "row":
            yield from _panels(panel.get("panels", []))
        else:
            yield panel


@pytest.fixture(scope="module")
def panels() -> dict[str, dict[str, Any]]:
    dashboard = json.loads(DASHBOARD.read_text())
    assert (dashboard["uid"], dashboard["title"]) == ("b12-platform", "B12 platform")
    found = list(_panels(dashboard["panels"]))
    assert len({p["title"] for p in found}) == len(found), "panel titles repeat"
    return {p["title"]: p for p in found}


@pytest.fixture(scope="module")
def exposed() -> dict[str, set[str]]:
    """Service -> the metric names its /metrics can carry."""
    names = {}
    for service in SERVICES:
        app = importlib.import_module(f"services.{service}.app").build_app()
        names[service] = exposed_names(app.state.runtime.metrics.render().decode())
    return names


def _queries(panel: dict[str, Any]) -> list[str]:
    return [t["expr"] for t in panel.get("targets", []) if t.get("expr", "").strip()]


def test_the_extractor_finds_metrics_and_nothing_else():
    expr = (
        'histogram_quantile(0.95, sum by (service, le) (rate(a_bucket{job="x", le=~"1|b"}'
        "[$__rate_interval]))) / on (service) group_left (route) b_total offset 5m"
        " > bool 1e3 unless ignoring(kind) c:ratio and time() - d{q='{e}'}[1h:5m]"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c:ratio", "d"}
    assert metric_names("time() - max(x)") == {"x"}


def test_the_dashboard_has_the_expected_panels(panels):
    assert set(panels) == set(EXPECTED)


def test_every_panel_queries_prometheus(panels):
    for title, panel in panels.items():
        assert _queries(panel), f"{title} has no query"
        sources = [t.get("datasource", panel.get("datasource")) for t in panel["targets"]]
        assert all(s and s["type"] == "prometheus" for s in sources), title


def test_each_panel_reads_its_metrics(panels):
    for title, panel in panels.items():
        read = set().union(*(metric_names(q) for q in _queries(panel)))
        assert read == EXPECTED[title], title


def test_every_metric_queried_exists_on_some_services_metrics(panels, exposed):
    queried = {name for p in panels.values() for q in _queries(p) for name in metric_names(q)}
    anywhere = set().union(*exposed.values())
    assert queried - BUILTINS, "the dashboard reads no b12 metric"
    assert sorted(queried - anywhere - BUILTINS) == []
    assert {name for name in queried if not name.startswith("b12_")} == BUILTINS


def test_the_families_come_from_each_service(exposed):
    """The comparison set is real: every service exposes the shared families."""
    for names in exposed.values():
        assert {"b12_consumer_lag", "b12_outbox_backlog", "b12_handler_seconds_bucket"} <= names
        assert "b12_events_processed_total" in names
