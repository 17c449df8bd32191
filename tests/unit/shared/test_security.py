"""Bearer tokens: valid ones name the actor and scopes; anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.security import DEVELOPMENT_SECRET, AuthSettings, issue_token, verify_token
from shared.settings import ServiceSettings

NOW = datetime.now(UTC)
SETTINGS = AuthSettings()


def test_a_token_names_its_subject_and_scopes() -> None:
    token = issue_token(SETTINGS, subject="nurse-7", scopes=["staff"], now=NOW)
    principal = verify_token(SETTINGS, token)
    assert principal.subject == "nurse-7"
    assert principal.scopes == {"staff"}


def test_expired_tokens_are_refused() -> None:
    token = issue_token(
        SETTINGS, subject="x", scopes=["ops"], now=NOW - timedelta(hours=2), ttl_s=60
    )
    with pytest.raises(jwt.ExpiredSignatureError):
        verify_token(SETTINGS, token)


def test_tokens_signed_with_another_secret_are_refused() -> None:
    other = AuthSettings(jwt_secret="another-secret-that-is-long-enough-000000")
    token = issue_token(other, subject="x", scopes=["ops"], now=NOW)
    with pytest.raises(jwt.InvalidSignatureError):
        verify_token(SETTINGS, token)


def test_tokens_for_another_audience_are_refused() -> None:
    other = AuthSettings(audience="someone-else")
    token = issue_token(other, subject="x", scopes=["ops"], now=NOW)
    with pytest.raises(jwt.InvalidAudienceError):
        verify_token(SETTINGS, token)


@pytest.mark.parametrize("secret", ["", DEVELOPMENT_SECRET, "short"])
def test_production_refuses_weak_secrets(secret: str) -> None:
    with pytest.raises(ValueError, match="refusing to start in production"):
        ServiceSettings(
            environment="production",
            auth=AuthSettings(jwt_secret=secret),
            database_url="postgresql://svc:pw@db/b12",
        )


def test_production_accepts_a_real_secret() -> None:
    settings = ServiceSettings(
        environment="production",
        auth=AuthSettings(jwt_secret="a-real-secret-from-a-vault-0123456789"),
        database_url="postgresql://svc:pw@db/b12",
    )
    assert settings.environment == "production"


def test_development_tolerates_the_default_secret() -> None:
    assert ServiceSettings(environment="development").auth.insecure()
