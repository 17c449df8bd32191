"""Email channel: one plain-text message per address over SMTP (aiosmtplib)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from services.notifier.channels import SendFailure
from services.notifier.delivery_store import LeasedDelivery
from services.notifier.settings import NotifierSettings


def build_message(delivery: LeasedDelivery, *, sender: str, now: datetime) -> EmailMessage:
    """The MIME message for a delivery; its Message-ID is fixed so resends can be spotted."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = delivery.target
    message["Subject"] = delivery.email_subject or "B12 alert"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{delivery.delivery_id}@b12-notifier>"
    message["X-B12-Delivery"] = str(delivery.delivery_id)
    message["X-B12-Alert"] = str(delivery.alert_id)
    message.set_content(delivery.email_body or "")
    return message


class EmailSender:
    """Sends through the configured SMTP server; 5xx refusals of the recipient are permanent."""

    def __init__(self, settings: NotifierSettings) -> None:
        self._settings = settings

    async def send(self, delivery: LeasedDelivery, *, now: datetime) -> None:
        """Send the email, or raise SendFailure."""
        s = self._settings
        if not s.smtp_host:
            raise SendFailure("no SMTP server configured (NOTIFIER_SMTP_HOST)")
        message = build_message(delivery, sender=s.smtp_from, now=now)
        try:
            await aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                use_tls=s.smtp_security == "tls",
                start_tls=s.smtp_security == "starttls",
                timeout=s.smtp_timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [error.code for error in exc.recipients]
            raise SendFailure(
                f"recipient refused: {codes}", permanent=all(code >= 500 for code in codes)
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise SendFailure(f"SMTP {exc.code}: {exc.message}"[:300]) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise SendFailure(f"{type(exc).__name__}: {exc}"[:300]) from exc
