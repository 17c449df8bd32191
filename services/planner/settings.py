"""Planner settings (env prefix ``PLANNER_``), the domain's rules and clinic calendar included."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import available_timezones

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.planner.domain import ClinicCalendar, PlannerRules
from services.planner.domain.library import PROTOCOL_DIR
from shared.settings import ServiceSettings


class PlannerSettings(ServiceSettings):
    """How the planner runs, and the bounds, horizon, monitoring and calendar its rules apply.

    ``rules`` is the domain's ``PlannerRules`` (safety bounds, schedule horizon, monitoring,
    selection, default timezone) and ``calendar`` the clinic's ``ClinicCalendar`` (working
    weekdays, Monday = 0, and closure dates). Set either whole as JSON
    (``PLANNER_CALENDAR='{"working_weekdays": [0, 1, 2, 3], "closures": ["2026-12-25"]}'``) or
    one value at a time with ``__`` between levels
    (``PLANNER_RULES__BOUNDS__MAINTENANCE_INTERVAL_WEEKS_MAX=10``,
    ``PLANNER_RULES__DEFAULT_TIMEZONE=Europe/Dublin``). Omitted values keep the domain's
    defaults (clinical-reference.md); a misspelt key fails at start instead of being ignored.
    """

    model_config = SettingsConfigDict(
        env_prefix="PLANNER_", extra="ignore", env_nested_delimiter="__"
    )

    service_name: str = "planner"
    http_port: int = 8001
    database_url: SecretStr = SecretStr("postgresql://planner:planner@127.0.0.1:5432/b12")
    db_schema: str = "planner"

    rules: PlannerRules = Field(default_factory=PlannerRules)
    calendar: ClinicCalendar = Field(default_factory=ClinicCalendar)
    protocol_dir: Path = Field(
        default=PROTOCOL_DIR, description="The versioned protocol library (JSON files)"
    )

    # Engineering defaults, not guidance: a programme taken over from elsewhere may start in the
    # past, but every dose before today is "simply due", so a far-off start date is a typo.
    max_start_days_in_past: int = Field(default=365, ge=0)
    max_start_days_ahead: int = Field(default=365, ge=0)

    sweep_interval_s: float = Field(
        default=900.0,
        gt=0,
        description="Seconds between sweeps for horizons to extend and loading reviews due",
    )
    sweep_batch_size: int = Field(default=100, ge=1, description="Plans locked per transaction")

    @model_validator(mode="after")
    def _known_default_timezone(self) -> PlannerSettings:
        # Checked here so a typo stops the service at start, not the first POST /plans.
        if self.rules.default_timezone not in available_timezones():
            raise ValueError(
                f"rules.default_timezone {self.rules.default_timezone!r} is not an IANA timezone"
            )
        return self
