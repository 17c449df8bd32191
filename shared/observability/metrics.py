"""Prometheus metrics of one service, on a registry of its own (no global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class ServiceMetrics:
    """Every metric a service exposes on /metrics."""

    def __init__(self, service: str, registry: CollectorRegistry | None = None) -> None:
        self.service = service
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.events_consumed = Counter(
            "b12_events_consumed", "Records fetched from Kafka", ["topic", "type"], registry=r
        )
        self.events_processed = Counter(
            "b12_events_processed",
            "Events whose effects were committed",
            ["topic", "type"],
            registry=r,
        )
        self.events_duplicate = Counter(
            "b12_events_duplicate",
            "Events skipped as already processed (inbox)",
            ["topic"],
            registry=r,
        )
        self.events_failed = Counter(
            "b12_events_failed",
            "Records that could not be processed",
            ["topic", "type", "kind"],
            registry=r,
        )
        self.dead_lettered = Counter(
            "b12_dead_lettered",
            "Records sent to a dead-letter topic",
            ["topic", "kind"],
            registry=r,
        )
        self.handler_seconds = Histogram(
            "b12_handler_seconds",
            "Time to process one fetched batch, commit included",
            ["topic"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.transient_retries = Counter(
            "b12_transient_retries",
            "Retries after a transient database or broker failure",
            ["operation"],
            registry=r,
        )
        self.outbox_published = Counter(
            "b12_outbox_published", "Outbox rows published to Kafka", registry=r
        )
        self.outbox_backlog = Gauge(
            "b12_outbox_backlog", "Outbox rows not yet published", registry=r
        )
        self.outbox_oldest_age = Gauge(
            "b12_outbox_oldest_age_seconds",
            "Age of the oldest unpublished outbox row",
            registry=r,
        )
        self.consumer_lag = Gauge(
            "b12_consumer_lag",
            "High watermark minus committed offset",
            ["topic", "partition"],
            registry=r,
        )
        self.sweeper_last_run = Gauge(
            "b12_sweeper_last_run_timestamp_seconds",
            "When a sweeper last finished",
            ["sweeper"],
            registry=r,
        )
        self.sweeper_duration = Gauge(
            "b12_sweeper_duration_seconds",
            "How long a sweeper's last run took",
            ["sweeper"],
            registry=r,
        )
        self.sweeper_findings = Counter(
            "b12_sweeper_findings",
            "What sweepers found (misses, escalations ...)",
            ["sweeper"],
            registry=r,
        )
        self.http_requests = Counter(
            "b12_http_requests",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_seconds = Histogram(
            "b12_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
