"""Adherence settings (env prefix ``ADHERENCE_``), the domain's clinical config included."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.adherence.domain import AdherenceConfig
from shared.settings import ServiceSettings


class AdherenceSettings(ServiceSettings):
    """How the adherence service runs, and the windows and thresholds its rules apply.

    ``config`` is the domain's ``AdherenceConfig``: set it whole or in part as JSON
    (``ADHERENCE_CONFIG='{"windows": {"loading": {...}}}'``) or one value at a time with ``__``
    between levels (``ADHERENCE_CONFIG__RULES__LOW_ADHERENCE__MIN_PERCENT=75``). A phase window
    is given whole (its three numbers have no defaults of their own); omitted sections keep the
    domain's defaults, and a misspelt key fails at start instead of being ignored.
    """

    model_config = SettingsConfigDict(
        env_prefix="ADHERENCE_", extra="ignore", env_nested_delimiter="__"
    )

    service_name: str = "adherence"
    http_port: int = 8002
    database_url: SecretStr = SecretStr("postgresql://adherence:adherence@127.0.0.1:5432/b12")
    db_schema: str = "adherence"

    config: AdherenceConfig = Field(default_factory=AdherenceConfig)
    sweep_interval_s: float = Field(
        default=30.0, gt=0, description="Seconds between sweeps for closed windows and gaps."
    )
    sweep_batch_size: int = Field(
        default=100, ge=1, description="Plans leased per sweep transaction."
    )
