"""Labs settings (env prefix ``LABS_``), the domain's clinical config included."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.labs.domain import LabsConfig
from shared.settings import ServiceSettings


class LabsSettings(ServiceSettings):
    """How the labs service runs, and the ranges, codes and thresholds its rules apply.

    ``config`` is the domain's ``LabsConfig``: set it whole or in part as JSON, e.g.
    ``LABS_CONFIG='{"laboratory_ranges": {"lab-1": {"b12": {"low": 180, "unit": "ng/L",
    "source": "lab-1 assay"}}}, "local_codes": {"B12-LOCAL": "b12"}}'``, or one value at a time
    with ``__`` between levels (``LABS_CONFIG__HYPOKALAEMIA__WITHIN_DAYS='{"value": 3,
    "unit": "d", "source": "clinic policy"}'``). A setting is given whole, with its source, so
    every number a flag reports says where it comes from. Omitted sections keep the documented
    defaults; a misspelt key or a unit that cannot express its analyte fails at start.
    """

    model_config = SettingsConfigDict(env_prefix="LABS_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "labs"
    http_port: int = 8003
    database_url: SecretStr = SecretStr("postgresql://labs:labs@127.0.0.1:5432/b12")
    db_schema: str = "labs"

    config: LabsConfig = Field(default_factory=LabsConfig)
