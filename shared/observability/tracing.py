"""OpenTelemetry across HTTP, the outbox, Kafka and consumers.

The W3C trace context travels in record headers (``traceparent``/``tracestate``). It is captured
when an event is written to the outbox and stored with the row, so a trace survives the outbox:
HTTP request -> outbox row -> Kafka record -> consumer span -> outbox row -> ...
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

from fastapi import FastAPI
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from opentelemetry.trace import SpanKind

from shared.messaging.records import Inbound

log = logging.getLogger(__name__)

Exporter = Literal["none", "console", "otlp"]
TRACE_HEADERS = ("traceparent", "tracestate")

_installed: dict[str, TracerProvider] = {}


def configure_tracing(
    service: str,
    *,
    exporter: Exporter,
    endpoint: str | None = None,
    extra_processor: SpanProcessor | None = None,
) -> TracerProvider:
    """Install the process's tracer provider once (OpenTelemetry's provider is process-wide)."""
    provider = _installed.get("provider")
    if provider is None:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        if exporter == "console":
            # One JSON object per line, so spans sit in a service's log file like its logs.
            console = ConsoleSpanExporter(formatter=lambda span: span.to_json(indent=None) + "\n")
            provider.add_span_processor(SimpleSpanProcessor(console))
        elif exporter == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        trace.set_tracer_provider(provider)
        _installed["provider"] = provider
    if extra_processor is not None:
        provider.add_span_processor(extra_processor)
    return provider


def instrument_app(app: FastAPI) -> None:
    """Trace every HTTP request of ``app`` (server spans)."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="health,ready,metrics", tracer_provider=trace.get_tracer_provider()
    )


def current_context_headers() -> dict[str, str]:
    """The active trace context as record headers (empty when nothing is being traced)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {k: v for k, v in carrier.items() if k in TRACE_HEADERS}


def each_traced(batch: Iterable[Inbound], *, service: str) -> Iterator[Inbound]:
    """Iterate a batch with each event's consumer span active while its body runs.

    The span continues the trace that arrived in the record's headers, so anything the handler
    writes to the outbox for this event carries the same trace.
    """
    tracer = trace.get_tracer("b12.consumer")
    for inbound in batch:
        parent = propagate.extract(_headers(inbound.delivery.headers))
        with tracer.start_as_current_span(
            f"process {inbound.event.type}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": inbound.delivery.topic,
                "messaging.kafka.destination.partition": inbound.delivery.partition,
                "messaging.kafka.message.offset": inbound.delivery.offset,
                "messaging.message.id": str(inbound.event.event_id),
                "b12.service": service,
            },
        ):
            yield inbound


def publish_span(topic: str, headers: Mapping[str, str]) -> trace.Span:
    """A producer span for the relay, child of the context stored with the outbox row."""
    tracer = trace.get_tracer("b12.relay")
    return tracer.start_span(
        f"publish {topic}",
        context=propagate.extract(_headers(headers)),
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
    )


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k in TRACE_HEADERS}
