"""The dashboard HTML: one template, configured by a JSON block the page script reads."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from string import Template
from typing import Any, Literal

from shared.dashboard.cors import origin_of
from shared.settings import ServiceSettings

TEMPLATES = Path(__file__).parent / "templates"
POLL_MS = 1500
ALERTS_PATH = "/alerts?limit=10"
ALERTS_SERVICE = "notifier"

Mode = Literal["overview", "service"]


@cache
def _template() -> Template:
    return Template((TEMPLATES / "dashboard.html").read_text(encoding="utf-8"))


def page_config(settings: ServiceSettings, mode: Mode) -> dict[str, Any]:
    """What the page script needs: which services to watch, where, and how often."""
    me = settings.service_name
    if mode == "service":
        peers = {me: ""}
    else:
        # The serving service is read from its own origin, whatever host name the browser used.
        peers = {name: "" if name == me else url for name, url in settings.dashboard_peers.items()}
    alerts = peers.get(ALERTS_SERVICE)
    return {
        "mode": mode,
        "self": me,
        "peers": peers,
        "pollMs": POLL_MS,
        "topicPrefix": settings.kafka.topic_prefix,
        "alerts": None if alerts is None else {"service": ALERTS_SERVICE, "path": ALERTS_PATH},
    }


def _json_for_script(value: Any) -> str:
    """JSON that cannot close the surrounding <script> element."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(settings: ServiceSettings, mode: Mode) -> str:
    """The HTML of the overview or of this service's own page."""
    name = settings.service_name
    title = "B12 platform overview" if mode == "overview" else f"B12 {name}"
    return _template().substitute(
        title=html.escape(title),
        mode=mode,
        config=_json_for_script(page_config(settings, mode)),
    )


def content_security_policy(settings: ServiceSettings, mode: Mode) -> str:
    """Scripts and styles from this service only; fetches to this service and its peers only."""
    peers = settings.dashboard_peers.values() if mode == "overview" else ()
    connect = " ".join(["'self'", *sorted({origin_of(url) for url in peers})])
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
