"""FastStream Kafka wiring with safe defaults: commit after effect, earliest, acks=all."""

from __future__ import annotations

import dataclasses
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from shared.messaging.consumer import EventConsumer
from shared.messaging.records import decode_headers
from shared.settings import KafkaSettings, ServiceSettings


def kafka_security(settings: KafkaSettings) -> BaseSecurity | None:
    """SASL/SSL from settings; loopback development stays plaintext (None)."""
    protocol = settings.security_protocol
    if protocol == "PLAINTEXT":
        return None
    context: ssl.SSLContext | None = None
    if protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(cafile=settings.ssl_cafile)
        if settings.ssl_certfile:
            context.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile)
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    password = settings.sasl_password.get_secret_value() if settings.sasl_password else ""
    sasl_class: type[BaseSecurity] = {
        "PLAIN": SASLPlaintext,
        "SCRAM-SHA-256": SASLScram256,
        "SCRAM-SHA-512": SASLScram512,
    }[settings.sasl_mechanism or "PLAIN"]
    return sasl_class(  # type: ignore[call-arg]
        username=settings.sasl_username or "",
        password=password,
        ssl_context=context,
        use_ssl=protocol == "SASL_SSL",
    )


def build_broker(settings: ServiceSettings, *, middlewares: Sequence[Any] = ()) -> KafkaBroker:
    """A broker whose producer is idempotent with acks=all."""
    return KafkaBroker(
        settings.kafka.bootstrap_servers,
        client_id=settings.service_name,
        acks="all",
        enable_idempotence=True,
        security=kafka_security(settings.kafka),
        middlewares=middlewares,
        # Topics are created up front with the platform's partition count (admin.py), never
        # implicitly with a default of one partition.
        allow_auto_create_topics=False,
        logger=logging.getLogger("b12.broker"),
    )


def _sanitise(record: Any) -> Any:
    # FastStream decodes header values strictly; one bad byte would fail the whole batch.
    try:
        for _, value in record.headers or ():
            if isinstance(value, bytes | bytearray):
                bytes(value).decode()
    except UnicodeDecodeError:
        clean = tuple((k, v.encode()) for k, v in decode_headers(record.headers).items())
        return dataclasses.replace(record, headers=clean)
    return record


async def _safe_batch_parser(
    records: tuple[Any, ...], original: Callable[..., Awaitable[Any]]
) -> Any:
    return await original(tuple(_sanitise(record) for record in records))


async def _raw_records(message: Any, original: Callable[..., Awaitable[Any]]) -> Any:
    # The EventConsumer decodes bodies itself, so poison never fails inside FastStream.
    return list(message.raw_message)


def subscribe(
    broker: KafkaBroker,
    *,
    topics: Sequence[str],
    group_id: str,
    consumer: EventConsumer,
    max_records: int = 500,
    title: str | None = None,
    description: str | None = None,
) -> None:
    """Consume ``topics`` in batches; offsets are committed only after ``consumer`` commits."""
    subscriber = broker.subscriber(
        *topics,
        group_id=group_id,
        batch=True,
        max_records=max_records,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        # Range gives each member the same partition numbers of every (co-partitioned) topic,
        # so one instance sees a patient's plans, doses and results alike.
        partition_assignment_strategy=(RangePartitionAssignor,),
        parser=_safe_batch_parser,
        decoder=_raw_records,
        title=title,
        description=description,
    )

    @subscriber
    async def handle_batch(records: list[Any]) -> None:
        """Apply one fetched batch; returning acknowledges (commits) its offsets."""
        await consumer.process(records)
