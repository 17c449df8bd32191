"""Notifier settings (env prefix ``NOTIFIER_``): routing, secrets, SMTP, workers, links."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from services.notifier.domain import NotifierConfig, load_config
from shared.settings import ServiceSettings

SmtpSecurity = Literal["none", "starttls", "tls"]


class NotifierSettings(ServiceSettings):
    """How the notifier runs and reaches people; who gets what lives in ``routing``."""

    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    service_name: str = "notifier"
    http_port: int = 8004
    database_url: SecretStr = SecretStr("postgresql://notifier:notifier@127.0.0.1:5432/b12")
    db_schema: str = "notifier"

    # Routing, teams, escalation ladders and retry policy, as JSON (NOTIFIER_ROUTING) or in a
    # file (NOTIFIER_ROUTING_FILE, which wins). Omitted keys keep the domain's defaults.
    routing: NotifierConfig = Field(default_factory=NotifierConfig)
    routing_file: Path | None = None

    # Webhook signing secrets by the ``secret_id`` routing names; several per id during a
    # rotation (JSON: {"default": "s1"} or {"default": ["new", "old"]}).
    webhook_secrets: dict[str, list[SecretStr]] = Field(default_factory=dict)
    webhook_timeout_s: float = Field(default=10.0, gt=0)

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_from: str = "b12-notifier@localhost"
    smtp_security: SmtpSecurity = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = Field(default=20.0, gt=0)

    escalation_sweep_interval_s: float = Field(default=15.0, gt=0)
    escalation_batch_size: int = Field(default=200, ge=1)
    delivery_poll_interval_s: float = Field(default=1.0, gt=0)
    # Deliveries leased (and sent concurrently) per round.
    delivery_concurrency: int = Field(default=16, ge=1, le=256)
    # How long a leased delivery is hidden from other workers; must outlast any send.
    delivery_lease_s: float = Field(default=120.0, gt=0)
    # Events buffered per live-stream client before it is disconnected (it then resyncs).
    stream_queue_size: int = Field(default=256, ge=1)

    @field_validator("webhook_secrets", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str | SecretStr) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _lease_outlasts_sends(self) -> NotifierSettings:
        # A lease that expires mid-send would let a second worker send the same delivery.
        longest = max(self.webhook_timeout_s, self.smtp_timeout_s)
        if self.delivery_lease_s < 2 * longest:
            raise ValueError("delivery_lease_s must be at least twice the longest send timeout")
        return self

    @property
    def send_timeout_s(self) -> float:
        """The hard limit on one send, whatever the channel (well inside the lease)."""
        return max(self.webhook_timeout_s, self.smtp_timeout_s)

    def notifier_config(self) -> NotifierConfig:
        """The routing configuration, with links pointing at this service unless set."""
        config = load_config(self.routing_file.read_text()) if self.routing_file else self.routing
        if "link_base_url" in config.model_fields_set:
            return config
        data = config.model_dump()
        data["link_base_url"] = self.base_url
        return NotifierConfig.model_validate(data)

    def secrets_for(self, secret_id: str) -> list[bytes]:
        """The active signing secrets named ``secret_id`` (empty when not configured)."""
        return [s.get_secret_value().encode() for s in self.webhook_secrets.get(secret_id, [])]
