"""Topic administration: every platform topic, co-partitioned, created up front."""

from __future__ import annotations

from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.messaging.broker import kafka_security
from shared.settings import KafkaSettings


def client_security(settings: KafkaSettings) -> dict[str, Any]:
    """aiokafka client options for the configured security protocol (none for plaintext)."""
    security = kafka_security(settings)
    options: dict[str, Any] = {}
    if security is not None:
        options["security_protocol"] = settings.security_protocol
        options["ssl_context"] = security.ssl_context
        if settings.sasl_mechanism:
            options["sasl_mechanism"] = settings.sasl_mechanism
            options["sasl_plain_username"] = settings.sasl_username
            options["sasl_plain_password"] = (
                settings.sasl_password.get_secret_value() if settings.sasl_password else None
            )
    return options


def admin_client(settings: KafkaSettings) -> AIOKafkaAdminClient:
    """An admin client for the configured cluster (not started)."""
    return AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers,
        client_id="b12-admin",
        **client_security(settings),
    )


async def ensure_topics(settings: KafkaSettings, names: list[str] | None = None) -> list[str]:
    """Create the missing platform topics (DLQs included); returns those created."""
    wanted = names or settings.topics.all()
    admin = admin_client(settings)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in wanted if name not in existing]
        if missing:
            await admin.create_topics(
                [
                    NewTopic(
                        name=name,
                        num_partitions=settings.partitions,
                        replication_factor=settings.replication_factor,
                    )
                    for name in missing
                ]
            )
        return missing
    finally:
        await admin.close()
