"""Every route of every service: open by decision, or 401 without a valid token and 403 without
one of the scopes its dependencies accept (read from the routes, so none can be forgotten)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from shared.db.provision import SERVICES
from tests.security.conftest import MakeApp
from tests.security.routes import ALL_SCOPES, Endpoint, auth, endpoints, signed, token
from tests.support.services import running

# Credentials that must never pass: each is a 401 with a Bearer challenge.
BAD_CREDENTIALS = {
    "none": {},
    "another secret": auth(token(*ALL_SCOPES, secret="s" * 40)),
    "expired": auth(token(*ALL_SCOPES, age_s=3600 + 60)),
    "another audience": auth(signed({"aud": "another-platform"})),
    "another issuer": auth(signed({"iss": "someone-else"})),
    "no expiry": auth(signed({"exp": None})),
    "unsigned (alg none)": auth(signed({}, algorithm="none")),
    "not a JWT": auth("not-a-jwt"),
    "basic scheme": {"Authorization": "Basic c2VjOnNlYw=="},
}


@dataclass
class Service:
    """A service running in this process, and a client that sends no credentials."""

    name: str
    app: FastAPI
    client: httpx.AsyncClient

    def protected(self) -> list[Endpoint]:
        return [e for e in endpoints(self.app) if not e.open]

    async def call(self, endpoint: Endpoint, headers: dict[str, str]) -> httpx.Response:
        return await self.client.request(endpoint.method, endpoint.url, headers=headers)


@pytest.fixture(scope="module", params=SERVICES)
async def service(request: pytest.FixtureRequest, make_app: MakeApp) -> AsyncIterator[Service]:
    """Each of the four services in turn."""
    app = make_app(request.param)
    async with running(app, headers={}) as client:
        yield Service(request.param, app, client)


def test_every_route_is_open_by_decision_or_authenticates(service: Service) -> None:
    """No route without an auth dependency except the documented open ones, and vice versa."""
    routes = endpoints(service.app)
    assert len(routes) > 10
    unguarded = [str(e) for e in routes if e.scopes is None and not e.open]
    guarded_open = [str(e) for e in routes if e.scopes is not None and e.open]
    assert unguarded == [], f"{service.name}: routes without authentication"
    assert guarded_open == []


async def test_open_routes_answer_without_credentials(service: Service) -> None:
    """Probes, metrics, docs and dashboard pages need no token."""
    opened = [e for e in endpoints(service.app) if e.open and e.method == "GET"]
    assert {e.path for e in opened} >= {"/health", "/ready", "/metrics", "/openapi.json"}
    answers = {str(e): (await service.call(e, {})).status_code for e in opened}
    assert all(status == 200 for status in answers.values()), answers


@pytest.mark.parametrize("credentials", list(BAD_CREDENTIALS))
async def test_missing_or_invalid_credentials_are_401_with_a_bearer_challenge(
    service: Service, credentials: str
) -> None:
    """No token, a forged, expired, unsigned or misaddressed one: 401 on every protected route."""
    wrong = []
    for endpoint in service.protected():
        answer = await service.call(endpoint, BAD_CREDENTIALS[credentials])
        if answer.status_code != 401 or answer.headers.get("www-authenticate") != "Bearer":
            wrong.append(f"{endpoint}: {answer.status_code} {answer.headers}")
    assert wrong == []


async def test_a_scope_the_route_does_not_accept_is_403(service: Service) -> None:
    """Each scope a route does not accept, and a token with no scope at all, get 403."""
    wrong, tried = [], 0
    for endpoint in service.protected():
        assert endpoint.scopes is not None
        refused = [[s] for s in sorted(ALL_SCOPES - endpoint.scopes)]
        if endpoint.scopes:  # a route accepting any valid token also accepts an empty scope
            refused.append([])
        for scopes in refused:
            tried += 1
            answer = await service.call(endpoint, auth(token(*scopes)))
            if answer.status_code != 403:
                wrong.append(f"{endpoint} with {scopes}: {answer.status_code} {answer.text}")
    assert tried >= len(service.protected())
    assert wrong == []


def test_operations_are_ops_only_and_reads_need_a_scope(service: Service) -> None:
    """Dead letters and the clock belong to ops; nothing accepts every caller without a scope."""
    scopes = {str(e): e.scopes for e in service.protected()}
    for name in ("GET /dead-letters", "POST /dead-letters/replay", "PUT /ops/clock"):
        assert scopes[name] == frozenset({"ops"})
    assert all(accepted for accepted in scopes.values())
