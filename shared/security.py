"""Who may call an API: OAuth2 bearer tokens (JWT, HS256) carrying scopes.

Scopes: ``clinic`` (create and cancel plans, read), ``staff`` (read, acknowledge and resolve
alerts, approve proposals), ``ops`` (dashboards, dead-letter replay). ``/health``, ``/ready`` and
``/metrics`` are open; every other route declares what it needs with the aliases below.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Known to everyone, hence refused in production (ServiceSettings checks it).
DEVELOPMENT_SECRET = "development-only-secret-change-me-0000000000"  # noqa: S105
ALGORITHM = "HS256"


class Scope(StrEnum):
    """What a caller may do."""

    CLINIC = "clinic"
    STAFF = "staff"
    OPS = "ops"


class AuthSettings(BaseSettings):
    """Token verification (env prefix ``AUTH_``); production refuses the development secret."""

    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    issuer: str = "b12-platform"
    audience: str = "b12-platform"
    leeway_s: int = Field(default=30, ge=0)

    def insecure(self) -> bool:
        """True when the secret is empty, the development default, or too short for HS256."""
        secret = self.jwt_secret.get_secret_value()
        return secret in ("", DEVELOPMENT_SECRET) or len(secret) < 32


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: who (an opaque subject, recorded as the actor) and what scopes."""

    subject: str
    scopes: frozenset[str]


def issue_token(
    settings: AuthSettings, *, subject: str, scopes: list[str], now: datetime, ttl_s: int = 3600
) -> str:
    """A signed token for ``subject`` with ``scopes`` (for integrators, tests and the simulator)."""
    claims = {
        "sub": subject,
        "scope": " ".join(scopes),
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_s)).timestamp()),
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def verify_token(settings: AuthSettings, token: str) -> Principal:
    """The principal a token names; raises jwt.PyJWTError when it is not valid."""
    claims = jwt.decode(
        token,
        settings.jwt_secret.get_secret_value(),
        algorithms=[ALGORITHM],
        audience=settings.audience,
        issuer=settings.issuer,
        leeway=settings.leeway_s,
        options={"require": ["sub", "exp", "iss", "aud"]},
    )
    return Principal(
        subject=str(claims["sub"]), scopes=frozenset(str(claims.get("scope", "")).split())
    )


_bearer = HTTPBearer(auto_error=False, description="A JWT issued for the platform")


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def authenticate(
    required: SecurityScopes,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, if the token is valid and carries one of the route's scopes (401/403)."""
    if credentials is None:
        raise _unauthorised("missing bearer token")
    settings: AuthSettings = request.app.state.runtime.settings.auth
    try:
        principal = verify_token(settings, credentials.credentials)
    except jwt.PyJWTError as exc:
        raise _unauthorised(f"invalid token: {exc}") from None
    if required.scopes and not principal.scopes.intersection(required.scopes):
        needed = " or ".join(required.scopes)
        raise HTTPException(status_code=403, detail=f"this needs the {needed} scope")
    return principal


Reader = Annotated[Principal, Security(authenticate, scopes=[s.value for s in Scope])]
"""Any authenticated caller may read."""
ClinicActor = Annotated[Principal, Security(authenticate, scopes=[Scope.CLINIC.value])]
StaffActor = Annotated[Principal, Security(authenticate, scopes=[Scope.STAFF.value])]
ClinicOrStaffActor = Annotated[
    Principal, Security(authenticate, scopes=[Scope.CLINIC.value, Scope.STAFF.value])
]
OpsActor = Annotated[Principal, Security(authenticate, scopes=[Scope.OPS.value])]


def main() -> None:
    """``python -m shared.security --sub nurse-1 --scopes staff``: print a token."""
    parser = argparse.ArgumentParser(description="Issue a bearer token for the platform's APIs")
    parser.add_argument("--sub", required=True, help="an opaque actor id (never a name)")
    parser.add_argument("--scopes", default="clinic,staff,ops", help="comma-separated scopes")
    parser.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    args = parser.parse_args()
    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    unknown = set(scopes) - {s.value for s in Scope}
    if unknown:
        parser.error(f"unknown scopes: {', '.join(sorted(unknown))}")
    print(
        issue_token(
            AuthSettings(), subject=args.sub, scopes=scopes, now=datetime.now(UTC), ttl_s=args.ttl
        )
    )


if __name__ == "__main__":
    main()
