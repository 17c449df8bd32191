"""Consumer lag per partition: the high watermark minus the group's committed offset."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.messaging.admin import admin_client, client_security
from shared.settings import KafkaSettings


class LagProbe:
    """Reads committed offsets (admin API) and end offsets (a group-less consumer)."""

    def __init__(self, settings: KafkaSettings, *, group_id: str, topics: Sequence[str]) -> None:
        self._group_id = group_id
        self._topics = list(topics)
        self._admin: AIOKafkaAdminClient = admin_client(settings)
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers,
            enable_auto_commit=False,
            client_id="b12-lag-probe",
            **client_security(settings),
        )
        self._started = False

    @property
    def started(self) -> bool:
        """Whether the clients are connected."""
        return self._started

    async def start(self) -> None:
        """Connect both clients."""
        await self._admin.start()
        await self._consumer.start()
        self._started = True

    async def stop(self) -> None:
        """Disconnect both clients."""
        if self._started:
            await self._consumer.stop()
            await self._admin.close()
            self._started = False

    async def measure(self) -> dict[tuple[str, int], int]:
        """Lag of every partition of the subscribed topics (all of it when nothing committed)."""
        partitions = [
            TopicPartition(topic, partition)
            for topic in self._topics
            for partition in sorted(self._consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            await self._consumer._client.force_metadata_update()
            return {}
        ends = await self._consumer.end_offsets(partitions)
        committed = await self._admin.list_consumer_group_offsets(self._group_id)
        lag: dict[tuple[str, int], int] = {}
        for tp in partitions:
            meta = committed.get(tp)
            position = meta.offset if meta is not None and meta.offset >= 0 else 0
            lag[(tp.topic, tp.partition)] = max(0, ends[tp] - position)
        return lag
