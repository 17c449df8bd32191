"""Dose windows: local-day arithmetic, UTC instants, DST boundaries, per-phase settings."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.adherence.domain import PhaseWindow, WindowConfig, dose_window
from services.adherence.domain.windows import local_date, start_of_local_day
from shared.contracts import Phase

from .builders import CONFIG, utc

LONDON = ZoneInfo("Europe/London")
SANTIAGO = ZoneInfo("America/Santiago")
MICROSECOND = timedelta(microseconds=1)


def test_loading_window_opens_a_day_early_and_closes_at_the_end_of_grace_in_winter() -> None:
    window = dose_window(
        due_on=date(2024, 1, 10), phase=Phase.LOADING, zone=LONDON, windows=CONFIG.windows
    )
    assert window.opens_at == utc(2024, 1, 9)
    assert window.closes_at == utc(2024, 1, 13)  # end of 12 Jan = due + 2 days grace
    assert window.late_until == utc(2024, 1, 20)  # plus 7 days of late acceptance


def test_window_bounds_are_half_open() -> None:
    window = dose_window(
        due_on=date(2024, 1, 10), phase=Phase.LOADING, zone=LONDON, windows=CONFIG.windows
    )
    assert window.contains(window.opens_at)
    assert not window.contains(window.opens_at - MICROSECOND)
    assert window.contains(window.closes_at - MICROSECOND)
    assert not window.contains(window.closes_at)
    assert not window.closed_by(window.closes_at - MICROSECOND)
    assert window.closed_by(window.closes_at)
    assert window.accepts_late(window.closes_at)
    assert not window.accepts_late(window.late_until)


def test_maintenance_window_uses_its_own_defaults() -> None:
    window = dose_window(
        due_on=date(2024, 1, 15), phase=Phase.MAINTENANCE, zone=LONDON, windows=CONFIG.windows
    )
    assert window.opens_at == utc(2024, 1, 8)
    assert window.closes_at == utc(2024, 1, 30)


def test_window_settings_are_configurable_per_phase() -> None:
    windows = WindowConfig(
        consolidation=PhaseWindow(early_days=0, grace_days=0, late_acceptance_days=0)
    )
    window = dose_window(
        due_on=date(2024, 1, 10), phase=Phase.CONSOLIDATION, zone=LONDON, windows=windows
    )
    assert (window.opens_at, window.closes_at, window.late_until) == (
        utc(2024, 1, 10),
        utc(2024, 1, 11),
        utc(2024, 1, 11),
    )


def test_window_closing_after_spring_forward_closes_at_local_midnight_in_summer_time() -> None:
    # Due Fri 29 Mar 2024, grace to Sun 31 Mar (the day clocks go forward): closes at the start
    # of 1 Apr in BST, 23:00 UTC, not at 00:00 UTC.
    window = dose_window(
        due_on=date(2024, 3, 29), phase=Phase.LOADING, zone=LONDON, windows=CONFIG.windows
    )
    assert window.opens_at == utc(2024, 3, 28)
    assert window.closes_at == utc(2024, 3, 31, 23)


def test_window_closing_after_fall_back_closes_at_local_midnight_in_winter_time() -> None:
    window = dose_window(
        due_on=date(2024, 10, 25), phase=Phase.LOADING, zone=LONDON, windows=CONFIG.windows
    )
    assert window.opens_at == utc(2024, 10, 23, 23)  # 24 Oct 00:00 BST
    assert window.closes_at == utc(2024, 10, 28)  # 28 Oct 00:00 GMT


def test_a_day_whose_midnight_is_skipped_starts_at_the_first_existing_instant() -> None:
    # Chile jumps from 00:00 to 01:00 on 8 Sep 2024: the day starts at 01:00 -03 = 04:00 UTC.
    assert start_of_local_day(date(2024, 9, 8), SANTIAGO) == utc(2024, 9, 8, 4)
    assert local_date(utc(2024, 9, 8, 4) - MICROSECOND, SANTIAGO) == date(2024, 9, 7)


def test_clinic_timezone_decides_the_local_date_of_an_administration() -> None:
    instant = utc(2024, 1, 10, 23, 30)
    assert local_date(instant, LONDON) == date(2024, 1, 10)
    assert local_date(instant, ZoneInfo("Australia/Sydney")) == date(2024, 1, 11)


ZONES = ["Europe/London", "America/Santiago", "America/New_York", "Australia/Lord_Howe", "UTC"]


@given(
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    zone_name=st.sampled_from(ZONES),
)
def test_start_of_local_day_is_the_earliest_instant_of_that_date(day: date, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    start = start_of_local_day(day, zone)
    assert local_date(start, zone) == day
    assert local_date(start - MICROSECOND, zone) == day - timedelta(days=1)


@pytest.mark.parametrize("phase", list(Phase))
@given(day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_window_covers_whole_local_days_from_early_to_grace(phase: Phase, day: date) -> None:
    settings = CONFIG.windows.for_phase(phase)
    window = dose_window(due_on=day, phase=phase, zone=SANTIAGO, windows=CONFIG.windows)
    assert local_date(window.opens_at, SANTIAGO) == day - timedelta(days=settings.early_days)
    last_day = local_date(window.closes_at - MICROSECOND, SANTIAGO)
    assert last_day == day + timedelta(days=settings.grace_days)
    assert window.opens_at < window.closes_at <= window.late_until
