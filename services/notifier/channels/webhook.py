"""Webhook channel: a signed JSON POST, the delivery id in a header for receiver dedupe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from services.notifier.channels import SendFailure
from services.notifier.delivery_store import LeasedDelivery
from services.notifier.domain import signature_headers

# The receiver says this exact request will never be accepted: retrying cannot help.
# 401/403/404 are left retryable: they are usually a receiver being deployed or a secret
# being rotated, and the attempts are bounded anyway.
PERMANENT_STATUSES = frozenset({400, 410, 413, 422})


class WebhookSender:
    """POSTs the stored payload bytes, signed with the secrets its endpoint names."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        secrets_for: Callable[[str], list[bytes]],
        user_agent: str = "b12-notifier/1",
    ) -> None:
        self._client = client
        self._secrets_for = secrets_for
        self._user_agent = user_agent

    async def send(self, delivery: LeasedDelivery, *, now: datetime) -> None:
        """POST the delivery; 2xx is success, anything else raises SendFailure."""
        secrets = self._secrets_for(delivery.secret_id or "default")
        if not secrets:
            # Never send unsigned: a receiver must be able to trust what it acts on.
            raise SendFailure(f"no webhook secret configured for secret_id {delivery.secret_id!r}")
        headers = signature_headers(
            delivery.payload, secrets=secrets, now=now, delivery_id=delivery.delivery_id
        )
        headers |= {
            "Content-Type": "application/json",
            "User-Agent": self._user_agent,
            "X-B12-Attempt": str(delivery.attempt),
        }
        try:
            response = await self._client.post(
                delivery.target, content=delivery.payload, headers=headers
            )
        except httpx.HTTPError as exc:
            raise SendFailure(f"{type(exc).__name__}: {exc}"[:300]) from exc
        if response.is_success:
            return
        raise SendFailure(
            f"HTTP {response.status_code}",
            permanent=response.status_code in PERMANENT_STATUSES,
        )
