"""Outbound channels: each sends one leased delivery or raises SendFailure."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.notifier.delivery_store import LeasedDelivery


class SendFailure(Exception):
    """A send that did not succeed; ``permanent`` when retrying can never help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class Sender(Protocol):
    """Sends one delivery over one channel."""

    async def send(self, delivery: LeasedDelivery, *, now: datetime) -> None:
        """Send, or raise SendFailure."""
        ...
