"""Publish an event by hand, as a clinic or lab system would: ``python -m devstack publish``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from aiokafka import AIOKafkaProducer

from shared.contracts import DecodeError, decode_event, events_of
from shared.topics import Stream, Topics

USAGE = "python -m devstack publish {doses,labs,plans,flags,adherence} FILE|-"


async def _send(
    bootstrap: str, topic: str, *, body: bytes, key: bytes, headers: dict[str, str]
) -> str:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        meta = await producer.send_and_wait(
            topic, body, key=key, headers=[(k, v.encode()) for k, v in headers.items()]
        )
        return f"{meta.topic}/{meta.partition}@{meta.offset}"
    finally:
        await producer.stop()


def publish(argv: list[str], *, bootstrap: str, prefix: str) -> int:
    """Validate a JSON event against its contract, then publish it keyed by its patient_id."""
    parser = argparse.ArgumentParser(prog="python -m devstack publish", description=__doc__)
    parser.add_argument("stream", choices=[s.value for s in Stream])
    parser.add_argument("file", help="a JSON event body, or - for standard input")
    args = parser.parse_args(argv)
    body = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    stream = Stream(args.stream)
    try:
        event = decode_event(body, allowed=events_of(stream))
    except DecodeError as exc:
        print(f"not published: {exc}", file=sys.stderr)
        return 1
    topic = Topics(prefix).name(stream)
    where = asyncio.run(
        _send(
            bootstrap,
            topic,
            body=event.to_json(),
            key=event.kafka_key(),
            headers=event.cloudevent_headers(),
        )
    )
    print(f"published {event.type} {event.event_id} to {where}")
    return 0
