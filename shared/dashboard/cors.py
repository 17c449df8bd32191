"""CORS for the reads the overview page makes across services, and for nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# What the overview fetches from the other services: open probes and metrics, and the
# notifier's alerts (bearer token, hence a preflight for the Authorization header).
CROSS_ORIGIN_PATHS = frozenset({"/health", "/ready", "/metrics", "/alerts"})
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, as a browser sends it in ``Origin``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def peer_origins(peers: Mapping[str, str]) -> list[str]:
    """The origins the peers' pages are served from; loopback peers under both names."""
    origins: set[str] = set()
    for url in peers.values():
        parts = urlsplit(url)
        origins.add(origin_of(url))
        if parts.hostname in LOOPBACK_HOSTS:
            port = f":{parts.port}" if parts.port else ""
            origins.update(f"{parts.scheme}://{host}{port}" for host in LOOPBACK_HOSTS)
    return sorted(origins)


class PeerCORS:
    """Answers cross-origin GETs (and their preflights) from the peers on a few paths only."""

    def __init__(
        self, app: ASGIApp, *, origins: Iterable[str], paths: Iterable[str] = CROSS_ORIGIN_PATHS
    ) -> None:
        self.app = app
        self.paths = frozenset(paths)
        # Bearer tokens, never cookies: no credentials mode, so no cookie can ride along.
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["GET"],
            allow_headers=["Authorization"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route covered paths through Starlette's CORS handling; pass the rest untouched."""
        if scope["type"] == "http" and scope["path"] in self.paths:
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
