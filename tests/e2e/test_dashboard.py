"""The dashboards in a real headless browser: Debian's chromium driven by Playwright."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Locator, Page

from devstack.platform import IsolatedPlatform
from shared.contracts import Evidence, EvidenceItem, FlagReason, ResponseFlagged
from shared.db.provision import SERVICES, ServiceDatabase, drop, provision
from shared.messaging.admin import ensure_topics
from shared.security import AuthSettings, Scope, issue_token
from shared.settings import KafkaSettings
from tests.integration.probe.app import ProbeSettings, build_app
from tests.support.browser import chromium_page, require_chromium, screenshot
from tests.support.factories import dose_administered, patient_id
from tests.support.kafka import Publisher
from tests.support.polling import eventually
from tests.support.services import ServiceProcess, free_port
from tests.support.stack import Stack, service_env

# Never shown by the overview: the alerts panel lists codes and opaque ids, not free text.
RECOMMENDATION = "Dashboard test sentence that must never reach the overview page."
REFUSED = "net::ERR_CONNECTION_REFUSED"


def ops_token() -> str:
    """A development token with the ops scope (a reader of the notifier's alerts)."""
    return issue_token(
        AuthSettings(), subject="ops-dashboard", scopes=[Scope.OPS.value], now=datetime.now(UTC)
    )


async def number(page: Page, selector: str) -> int | None:
    """The integer a dashboard shows at ``selector`` (None while it shows a dash)."""
    text = (await page.locator(selector).inner_text()).replace(",", "").strip()
    return int(text) if text.isdigit() else None


async def count_shown(page: Page, selector: str) -> int:
    """The number at ``selector`` once the page shows one (0 included)."""

    async def read() -> list[int]:
        value = await number(page, selector)
        return [] if value is None else [value]

    return (await eventually(read, what=f"a number at {selector}"))[0]


async def contains(locator: Locator, fragment: str) -> bool:
    """Whether the element's text (as in the DOM, before CSS capitalises it) has ``fragment``."""
    return fragment in (await locator.text_content() or "")


async def next_polls(page: Page, count: int = 2) -> None:
    """Wait until the page has completed ``count`` more polls."""

    async def polls() -> int:
        return int(await page.evaluate("() => Number(document.body.dataset.polls || 0)"))

    target = await polls() + count

    async def reached() -> bool:
        return await polls() >= target

    await eventually(reached, timeout=15, what=f"{count} more polls")


async def card_names(page: Page) -> list[str]:
    """The services the page has a card for, in page order."""
    names: list[str] = await page.locator("[data-service]").evaluate_all(
        "cards => cards.map(card => card.dataset.service)"
    )
    return names


async def card_states(page: Page) -> dict[str, str]:
    """Each card's state: ready, not-ready or down (empty before the first poll)."""
    states: dict[str, str] = await page.locator("[data-service]").evaluate_all(
        "cards => Object.fromEntries(cards.map(c => [c.dataset.service, c.dataset.state || '']))"
    )
    return states


async def wait_for_states(page: Page, expected: dict[str, str]) -> None:
    """Poll until every card shows the expected state."""

    async def matches() -> dict[str, str] | None:
        states = await card_states(page)
        return states if states == expected else None

    await eventually(matches, timeout=30, what=f"cards {expected}")


async def moved_past(page: Page, selector: str, floor: int) -> int | None:
    """The number at ``selector`` once it is at least ``floor``."""
    value = await number(page, selector)
    return value if value is not None and value >= floor else None


def flag(patient: str) -> ResponseFlagged:
    """A flag as labs would raise it, with a recommendation the page must not show."""
    now = datetime.now(UTC)
    return ResponseFlagged(
        event_id=uuid.uuid4(),
        occurred_at=now,
        patient_id=patient,
        source="labs",
        flag_id=uuid.uuid4(),
        raised_by="labs",
        reason=FlagReason.B12_NOT_REPLETED,
        severity="warning",
        evidence=Evidence(
            items=[EvidenceItem(kind="lab_result", label="serum B12", value=150, unit="ng/L")]
        ),
        recommendation=RECOMMENDATION,
        rule_id="labs.dashboard-test",
        rule_version=1,
    )


# -- the platform: all four services as processes --------------------------------------------


@pytest.mark.e2e
async def test_overview_shows_the_four_services_and_moves_with_events(
    platform: IsolatedPlatform,
) -> None:
    """Four cards, all ready; alerts after a token; the processed counter moves after events."""
    require_chromium()
    topics = platform.kafka.topics
    async with chromium_page() as (page, console):
        await page.goto(f"{platform.url('planner')}/dashboard")
        assert await card_names(page) == list(SERVICES)
        await wait_for_states(page, dict.fromkeys(SERVICES, "ready"))

        state = page.locator("#alerts-state")
        await eventually(
            lambda: contains(state, "no token"), timeout=10, what="the alerts panel to ask"
        )
        await page.fill("#token-input", ops_token())
        await page.click("#token-save")
        await eventually(lambda: contains(state, "alert"), timeout=10, what="alerts to load")

        total = '[data-metric="processed-total"]'
        before = await count_shown(page, total)
        patient = patient_id()
        async with Publisher(platform.bootstrap) as publisher:
            for _ in range(5):
                await publisher.event(topics.doses, dose_administered(patient))
            await publisher.event(topics.flags, flag(patient))
        await eventually(
            lambda: moved_past(page, total, before + 1), timeout=30, what="the counter to move"
        )
        row = page.locator("#alerts-table tbody tr", has_text=patient)
        await eventually(row.count, timeout=30, what="the new alert in the alerts panel")
        assert RECOMMENDATION not in await page.content()
        assert "150" not in await row.inner_text()
        await next_polls(page)  # a few points after the events, so the charts show the burst
        await screenshot(page, "dashboard-overview")

        for name in SERVICES:
            await page.goto(f"{platform.url(name)}/dashboard/service")
            assert await card_names(page) == [name]
            await wait_for_states(page, {name: "ready"})
    assert console.unexpected() == []


# -- what exists today: the probe and adherence, with a peer that is down ---------------------


@pytest.fixture
async def lone_services(stack: Stack, run_id: str, log_dir: Path) -> AsyncIterator[dict[str, Any]]:
    """The probe and adherence as processes on a private slice: own topics, groups, schemas."""
    require_chromium()
    slice_id = f"{run_id}d{uuid.uuid4().hex[:4]}"
    kafka = KafkaSettings(
        bootstrap_servers=stack.kafka_bootstrap,
        topic_prefix=f"{slice_id}.treatment.",
        group_prefix=slice_id,
    )
    await ensure_topics(kafka)
    names = ("probe", "adherence")
    dbs = {
        name: ServiceDatabase(
            role=f"{slice_id}_{name}", password=uuid.uuid4().hex, schema=f"{slice_id}_{name}"
        )
        for name in names
    }
    ports = {name: free_port() for name in names}
    peers = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    peers["labs"] = f"http://127.0.0.1:{free_port()}"  # nobody listens there: shown as down
    admin = await asyncpg.connect(stack.admin_dsn)
    processes: dict[str, ServiceProcess] = {}
    try:
        for db in dbs.values():
            await provision(admin, db)
        for name, port in ports.items():
            env = service_env(
                name,
                stack=stack,
                databases=dbs,
                kafka=kafka,
                port=port,
                extra={"DASHBOARD_PEERS": json.dumps(peers)},
            )
            module = "tests.integration.probe" if name == "probe" else ""
            processes[name] = ServiceProcess(
                name, env=env, port=port, log_dir=log_dir, module=module
            ).start()
        for process in processes.values():
            await process.wait_ready()
        yield {"processes": processes, "kafka": kafka}
    finally:
        for process in processes.values():
            process.stop()
        for db in dbs.values():
            await drop(admin, db)
        await admin.close()


@pytest.mark.integration
async def test_overview_of_the_services_running_now(lone_services: dict[str, Any]) -> None:
    """Cards for the configured peers (one down), the token fragment, a counter that moves."""
    require_chromium()
    processes: dict[str, ServiceProcess] = lone_services["processes"]
    kafka: KafkaSettings = lone_services["kafka"]
    probe, adherence = processes["probe"], processes["adherence"]
    async with chromium_page() as (page, console):
        await page.goto(f"{probe.url}/dashboard#token=opaque-test-token")
        assert "token" not in page.url
        stored = await page.evaluate("sessionStorage.getItem('b12.dashboard.token')")
        assert stored == "opaque-test-token"
        assert await card_names(page) == ["probe", "adherence", "labs"]
        await wait_for_states(page, {"probe": "ready", "adherence": "ready", "labs": "down"})
        assert await page.locator("#alerts").is_hidden()  # no notifier among the peers

        processed = '[data-service="probe"] [data-metric="processed"]'
        before = await count_shown(page, processed)
        async with Publisher(kafka.bootstrap_servers) as publisher:
            for _ in range(5):
                await publisher.event(kafka.topics.doses, dose_administered(patient_id()))
        await eventually(
            lambda: moved_past(page, processed, before + 5), timeout=30, what="the counter"
        )
        lag = page.locator('[data-service="probe"] section', has_text="Consumer lag")
        await eventually(lambda: contains(lag, "doses"), timeout=15, what="lag per partition")
        await next_polls(page)
        await screenshot(page, "dashboard-overview-probe")

        await page.goto(f"{adherence.url}/dashboard/service")
        assert await card_names(page) == ["adherence"]
        await wait_for_states(page, {"adherence": "ready"})
        details = page.locator('[data-service="adherence"]')
        await eventually(
            lambda: contains(details, "Events by topic and type"), timeout=10, what="details"
        )
        await screenshot(page, "dashboard-service-adherence")
    # The peer that is down fails to load, by design (which also shows the console is watched);
    # nothing else may fail.
    assert any(REFUSED in error for error in console.errors)
    assert console.unexpected(allowed=[REFUSED]) == []


# -- in process: what the pages and CORS answer (no browser, no stack) ------------------------


def _probe_app(peers: dict[str, str]) -> FastAPI:
    return build_app(ProbeSettings(dashboard_peers=peers))


async def test_cors_lets_peers_read_probes_metrics_and_alerts_only() -> None:
    """Peers' origins may GET the open reads and /alerts (with a token); strangers may not."""
    app = _probe_app({"probe": "http://127.0.0.1:9001", "adherence": "http://127.0.0.1:8002"})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:9001") as client:
        peer, stranger = "http://localhost:8002", "http://evil.example"
        preflight = {
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        }
        allowed = await client.options("/alerts", headers={"Origin": peer, **preflight})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == peer
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        refused = await client.options("/alerts", headers={"Origin": stranger, **preflight})
        assert refused.status_code == 400
        health = await client.get("/health", headers={"Origin": peer})
        assert health.headers["access-control-allow-origin"] == peer
        assert (
            "access-control-allow-origin"
            not in (await client.get("/health", headers={"Origin": stranger})).headers
        )
        other = await client.get("/dead-letters", headers={"Origin": peer})
        assert "access-control-allow-origin" not in other.headers


async def test_pages_carry_their_config_and_a_strict_content_security_policy() -> None:
    """Peers in the config (this service same-origin), fetches limited to them, no inline script."""
    app = _probe_app({"probe": "http://127.0.0.1:9001", "adherence": "http://127.0.0.1:8002"})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:9001") as client:
        overview = await client.get("/dashboard")
        csp = overview.headers["content-security-policy"]
        assert "script-src 'self';" in csp
        assert "connect-src 'self' http://127.0.0.1:8002 http://127.0.0.1:9001;" in csp
        config = overview.text.split('type="application/json">', 1)[1].split("</script>", 1)[0]
        assert json.loads(config)["peers"] == {"probe": "", "adherence": "http://127.0.0.1:8002"}
        own = await client.get("/dashboard/service")
        assert '"peers":{"probe":""}' in own.text
        script = await client.get("/dashboard/static/vendor/uPlot.iife.min.js")
        assert script.headers["content-type"].startswith("text/javascript")
        for missing in ("../page.py", "%2e%2e/page.py", "vendor/README.md"):
            assert (await client.get(f"/dashboard/static/{missing}")).status_code == 404
