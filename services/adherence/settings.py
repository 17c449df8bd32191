"""Adherence settings (env prefix ``ADHERENCE_``)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AdherenceSettings(ServiceSettings):
    """How the adherence service runs; clinical windows and thresholds live in its domain config."""

    model_config = SettingsConfigDict(env_prefix="ADHERENCE_", extra="ignore")

    service_name: str = "adherence"
    http_port: int = 8002
    database_url: SecretStr = SecretStr("postgresql://adherence:adherence@127.0.0.1:5432/b12")
    db_schema: str = "adherence"
    sweep_interval_s: float = 30.0
