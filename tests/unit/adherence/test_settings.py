"""The adherence settings carry the domain's config, settable from the environment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from services.adherence.domain import AdherenceConfig, PhaseWindow
from services.adherence.settings import AdherenceSettings


def test_defaults_are_the_domain_defaults() -> None:
    assert AdherenceSettings().config == AdherenceConfig()


def test_config_is_read_from_json_and_single_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "ADHERENCE_CONFIG",
        '{"windows": {"loading": {"early_days": 0, "grace_days": 3, "late_acceptance_days": 5}}}',
    )
    monkeypatch.setenv("ADHERENCE_CONFIG__RULES__LOW_ADHERENCE__MIN_PERCENT", "75")
    monkeypatch.setenv("ADHERENCE_CONFIG__MATCHING__CLOCK_SKEW_TOLERANCE", "PT10M")
    monkeypatch.setenv("ADHERENCE_SWEEP_INTERVAL_S", "5")
    settings = AdherenceSettings()
    assert settings.config.windows.loading == PhaseWindow(
        early_days=0, grace_days=3, late_acceptance_days=5
    )
    assert settings.config.windows.maintenance == AdherenceConfig().windows.maintenance
    assert settings.config.rules.low_adherence.min_percent == 75
    assert settings.config.matching.clock_skew_tolerance == timedelta(minutes=10)
    assert settings.sweep_interval_s == 5


def test_a_misspelt_key_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADHERENCE_CONFIG", '{"rules": {"low_adherance": {"min_percent": 70}}}')
    with pytest.raises(ValidationError, match="low_adherance"):
        AdherenceSettings()
