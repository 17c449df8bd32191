"""Settings shared by every service; each service subclasses ServiceSettings with its own prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.security import AuthSettings
from shared.topics import Topics

Environment = Literal["development", "test", "production"]

LOOPBACK_PEERS = {
    "planner": "http://127.0.0.1:8001",
    "adherence": "http://127.0.0.1:8002",
    "labs": "http://127.0.0.1:8003",
    "notifier": "http://127.0.0.1:8004",
}


class KafkaSettings(BaseSettings):
    """How to reach the broker and name topics (env prefix ``KAFKA_``)."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = "treatment."
    partitions: int = Field(default=3, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    group_prefix: str = "b12"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None

    @property
    def topics(self) -> Topics:
        """Topic names under the configured prefix."""
        return Topics(prefix=self.topic_prefix)


class ServiceSettings(BaseSettings):
    """What every service process needs; subclasses set the env prefix and defaults."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    environment: Environment = "development"
    log_level: str = "INFO"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_base_url: str = ""
    database_url: SecretStr = SecretStr("postgresql://postgres@127.0.0.1:5432/b12")
    db_schema: str = "public"
    db_pool_min: int = Field(default=1, ge=0)
    db_pool_max: int = Field(default=10, ge=1)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    consumer_max_records: int = Field(default=500, ge=1)
    max_event_bytes: int = Field(default=256 * 1024, ge=1024)
    outbox_batch_size: int = Field(default=500, ge=1)
    outbox_poll_interval_s: float = Field(default=0.5, gt=0)
    otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_endpoint: str | None = None
    metrics_interval_s: float = Field(default=2.0, gt=0)
    retry_initial_backoff_s: float = Field(default=0.2, gt=0)
    retry_max_backoff_s: float = Field(default=10.0, gt=0)
    # One variable for every service (``DASHBOARD_PEERS='{"planner": "http://..."}'``), not
    # one per service prefix: the overview page of each service shows the same peers.
    dashboard_peers: dict[str, str] = Field(
        default_factory=lambda: dict(LOOPBACK_PEERS),
        validation_alias=AliasChoices("dashboard_peers", "DASHBOARD_PEERS"),
        description="Service name -> base URL, for the overview dashboard and CORS",
    )

    @field_validator("dashboard_peers")
    @classmethod
    def _peers_are_base_urls(cls, peers: dict[str, str]) -> dict[str, str]:
        for name, url in peers.items():
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"dashboard peer {name}: {url!r} is not an http(s) base URL")
        return {name: url.rstrip("/") for name, url in peers.items()}

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> ServiceSettings:
        if self.environment == "production":
            if self.auth.insecure():
                raise ValueError(
                    "AUTH_JWT_SECRET is empty, the development default or shorter than 32 "
                    "characters: refusing to start in production"
                )
            if "@" not in self.database_url.get_secret_value().split("//", 1)[-1]:
                raise ValueError("database_url has no credentials: refusing to start in production")
        return self

    @property
    def consumer_group(self) -> str:
        """The consumer group every instance of this service joins."""
        return f"{self.kafka.group_prefix}.{self.service_name}"

    @property
    def base_url(self) -> str:
        """Where this service's API is reachable, for links in outbound messages."""
        return self.public_base_url or f"http://{self.http_host}:{self.http_port}"
