"""Every route of an app, with the scopes its dependencies accept (read from the app itself)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from pydantic import SecretStr

from shared.security import AuthSettings, Scope, authenticate, issue_token

ALL_SCOPES = frozenset(s.value for s in Scope)

# Open by decision: probes, metrics, and generated docs and dashboard pages that carry no data.
OPEN_PATHS = frozenset(
    {
        "/health",
        "/ready",
        "/metrics",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/openapi.json",
        "/asyncapi.json",
        "/events",
        "/dashboard",
        "/dashboard/service",
        "/dashboard/static/{name:path}",
    }
)


@dataclass(frozen=True)
class Endpoint:
    """One method on one route; ``scopes`` is None when no dependency authenticates."""

    method: str
    path: str
    url: str
    scopes: frozenset[str] | None

    @property
    def open(self) -> bool:
        return self.path in OPEN_PATHS

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _authentications(dependant: Dependant, inherited: tuple[str, ...] = ()) -> list[set[str]]:
    """The scopes each ``authenticate`` in the tree is called with (parents' scopes included)."""
    scopes = (*inherited, *(dependant.own_oauth_scopes or ()))
    found = [set(scopes)] if dependant.call is authenticate else []
    for sub in dependant.dependencies:
        found.extend(_authentications(sub, scopes))
    return found


def accepted_scopes(dependant: Dependant) -> frozenset[str] | None:
    """Scopes that pass every authentication of the route; empty when any valid token does."""
    checks = _authentications(dependant)
    if not checks:
        return None
    required = [frozenset(c) for c in checks if c]  # an empty list: any valid token
    return frozenset.intersection(*required) if required else frozenset()


def _dummy(name: str, annotation: object, path: str) -> str:
    if annotation is uuid.UUID:
        return str(uuid.UUID(int=1))
    if f"{{{name}:path}}" in path:
        return "dashboard.css"
    return "p-security-1"


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every method of every route as served (prefixes and router dependencies included)."""
    found = []
    for route in iter_route_contexts(app.routes):
        if not route.path or not route.methods:
            continue
        dependant: Dependant | None = getattr(route, "dependant", None)
        scopes = accepted_scopes(dependant) if dependant else None
        url = route.path
        for param in dependant.path_params if dependant else ():
            value = _dummy(param.name, param.field_info.annotation, route.path)
            url = url.replace(f"{{{param.name}:path}}", value).replace(f"{{{param.name}}}", value)
        for method in sorted(route.methods - {"HEAD"}):
            found.append(Endpoint(method, route.path, url, scopes))
    return found


def token(
    *scopes: str, subject: str = "sec-tester", secret: str | None = None, age_s: float = 0
) -> str:
    """A token with ``scopes``, issued ``age_s`` ago, signed with ``secret`` (default: ours)."""
    settings = AuthSettings() if secret is None else AuthSettings(jwt_secret=SecretStr(secret))
    issued = datetime.now(UTC) - timedelta(seconds=age_s)
    return issue_token(settings, subject=subject, scopes=list(scopes), now=issued, ttl_s=3600)


def signed(claims: dict[str, object], *, algorithm: str = "HS256") -> str:
    """A token with exactly ``claims``, signed with the platform's own secret."""
    key = AuthSettings().jwt_secret.get_secret_value() if algorithm != "none" else None
    base = {"sub": "sec-tester", "scope": " ".join(sorted(ALL_SCOPES))}
    expires = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    payload = {**base, "iss": "b12-platform", "aud": "b12-platform", "exp": expires, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, key, algorithm=algorithm)


def auth(value: str) -> dict[str, str]:
    """An Authorization header carrying ``value`` as a bearer token."""
    return {"Authorization": f"Bearer {value}"}
