"""The planner's settings: rules and clinic calendar from the environment, checked at start."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from services.planner.domain import ProtocolDataError
from services.planner.runtime import planning_context
from services.planner.settings import PlannerSettings


def test_defaults_are_the_clinical_references():
    settings = PlannerSettings()
    assert (settings.service_name, settings.http_port, settings.db_schema) == (
        "planner",
        8001,
        "planner",
    )
    assert settings.rules.bounds.maintenance_interval_weeks_max == 12
    assert settings.rules.schedule.horizon_months == 12
    assert settings.calendar.working_weekdays == frozenset({0, 1, 2, 3, 4})


def test_calendar_and_rules_come_from_json_or_nested_variables(monkeypatch):
    monkeypatch.setenv(
        "PLANNER_CALENDAR", '{"working_weekdays": [0, 1, 2, 3], "closures": ["2026-12-25"]}'
    )
    monkeypatch.setenv("PLANNER_RULES__SCHEDULE__HORIZON_MONTHS", "18")
    monkeypatch.setenv("PLANNER_RULES__DEFAULT_TIMEZONE", "Europe/Dublin")
    settings = PlannerSettings()
    assert settings.calendar.closures == frozenset({date(2026, 12, 25)})
    assert settings.calendar.working_weekdays == frozenset({0, 1, 2, 3})
    assert settings.rules.schedule.horizon_months == 18
    assert settings.rules.default_timezone == "Europe/Dublin"


def test_an_unknown_default_timezone_or_key_stops_the_start(monkeypatch):
    monkeypatch.setenv("PLANNER_RULES__DEFAULT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValidationError, match="not an IANA timezone"):
        PlannerSettings()
    monkeypatch.delenv("PLANNER_RULES__DEFAULT_TIMEZONE")
    monkeypatch.setenv("PLANNER_RULES__BOUNDS__MAINTENANCE_INTERVAL_WEEK_MAX", "10")
    with pytest.raises(ValidationError, match="Extra inputs"):
        PlannerSettings()


def test_a_spacing_cap_the_library_breaks_refuses_the_library():
    settings = PlannerSettings(rules={"bounds": {"maintenance_interval_weeks_max": 10}})
    with pytest.raises(ProtocolDataError, match="10-week spacing cap"):
        planning_context(settings)
