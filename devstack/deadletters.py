"""List and replay a service's dead letters through its API: ``python -m devstack dead-letters``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from devstack.paths import LOOPBACK
from devstack.procs import StackError
from shared.security import AuthSettings, Scope, issue_token

MAX_PAGE = 1000  # the API's bound on ``limit`` and on the ids of one replay
DEFAULT_LIMIT = 50
MESSAGE_WIDTH = 72
TOKEN_TTL_S = 300
HEADER = ("id", "when (UTC)", "where", "type", "kind", "replays", "message")
EPILOG = """\
The token is minted for the ops scope with AUTH_JWT_SECRET (else the development secret);
pass --token when the service uses a secret you do not hold. Replaying sends the records,
unchanged (same key and event id), back to their original topic: fix the cause first.
Exit status: 0, or 1 on an error or when some ids to replay do not exist."""


def _bounded(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= MAX_PAGE:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_PAGE}")
    return value


def parse_args(argv: Sequence[str], services: Sequence[str]) -> argparse.Namespace:
    """The command line; ``--replay`` takes ids and excludes the list filters."""
    parser = argparse.ArgumentParser(
        prog="python -m devstack dead-letters",
        description="List a service's dead letters, or replay some to their original topic.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("service", choices=services)
    parser.add_argument("--kind", help="only this error kind (e.g. unknown_unit)")
    parser.add_argument("--topic", help="only records from this source topic")
    parser.add_argument("--limit", type=_bounded, help=f"newest N (default {DEFAULT_LIMIT})")
    parser.add_argument("--replay", nargs="+", type=int, metavar="ID", help="replay these ids")
    parser.add_argument("--url", help="the service's base URL (default: devstack's port)")
    parser.add_argument("--token", help="a bearer token with the ops scope (default: minted)")
    parser.add_argument("--actor", default="ops-cli", help="opaque actor id for a minted token")
    args = parser.parse_args(argv)
    if args.replay and (args.kind or args.topic or args.limit):
        parser.error("--replay takes ids only (no --kind, --topic or --limit)")
    if args.replay and len(args.replay) > MAX_PAGE:
        parser.error(f"at most {MAX_PAGE} ids per replay")
    return args


def mint_token(actor: str) -> str:
    """A short-lived ops token signed with AUTH_JWT_SECRET (or the development secret)."""
    return issue_token(
        AuthSettings(),
        subject=actor,
        scopes=[Scope.OPS.value],
        now=datetime.now(UTC),
        ttl_s=TOKEN_TTL_S,
    )


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        detail = response.text
    return str(detail)[:300] or response.reason_phrase


class OpsClient:
    """The service's dead-letter routes, with answers turned into readable errors."""

    def __init__(self, service: str, url: str, token: str) -> None:
        self.service = service
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=15.0
        )

    def __enter__(self) -> OpsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise StackError(
                f"{self.service} is not answering at {self.url} ({exc or type(exc).__name__}): "
                "is it running? (python -m devstack status, or --url)"
            ) from None
        status, detail = response.status_code, _detail(response)
        if status == 401:
            raise StackError(
                f"{self.service} refused the token (401: {detail}): mint it with the service's "
                "AUTH_JWT_SECRET in the environment, or pass --token"
            )
        if status == 403:
            raise StackError(f"{self.service} refused (403: {detail}): the token needs ops")
        if status == 503:
            raise StackError(f"{self.service} is not ready yet (503: {detail})")
        if status >= 400:
            raise StackError(f"{self.service} at {self.url} answered {status}: {detail}")
        return response.json()

    def find(self, *, kind: str | None, topic: str | None, limit: int) -> list[dict[str, Any]]:
        """Dead letters, newest first."""
        params = {"kind": kind, "topic": topic, "limit": limit}
        found: list[dict[str, Any]] = self._call(
            "GET", "/dead-letters", params={k: v for k, v in params.items() if v is not None}
        )
        return found

    def replay(self, ids: Sequence[int]) -> dict[str, list[int]]:
        """Queue ``ids`` back to their original topics; what was replayed and what is missing."""
        answer: dict[str, list[int]] = self._call(
            "POST", "/dead-letters/replay", json={"ids": list(ids)}
        )
        return answer


def _when(raw: str) -> str:
    return datetime.fromisoformat(raw).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _short(message: str) -> str:
    flat = " ".join(message.split())
    return flat if len(flat) <= MESSAGE_WIDTH else flat[: MESSAGE_WIDTH - 1] + "…"


def table(letters: Sequence[dict[str, Any]]) -> str:
    """Dead letters as aligned columns under a header."""
    rows = [HEADER] + [
        (
            str(d["id"]),
            _when(d["dead_lettered_at"]),
            f"{d['source_topic']}@{d['source_partition']}:{d['source_offset']}",
            d["event_type"] or "-",
            d["error_kind"],
            str(d["replay_count"]),
            _short(d["error_message"]),
        )
        for d in letters
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(map(str, ids))


def dead_letters(argv: Sequence[str], *, ports: dict[str, int]) -> int:
    """Run the command: print the table, or replay and report; 1 if some ids are missing."""
    args = parse_args(argv, list(ports))
    url = args.url or f"http://{LOOPBACK}:{ports[args.service]}"
    with OpsClient(args.service, url, args.token or mint_token(args.actor)) as client:
        if args.replay:
            result = client.replay(args.replay)
            if result["replayed"]:
                print(f"replayed to their original topics: {_ids(result['replayed'])}")
            if result["missing"]:
                print(f"missing (no such dead letter): {_ids(result['missing'])}")
            return 1 if result["missing"] else 0
        limit = args.limit or DEFAULT_LIMIT
        letters = client.find(kind=args.kind, topic=args.topic, limit=limit)
    if not letters:
        print(f"{args.service}: no dead letters" + (" matching" if args.kind or args.topic else ""))
        return 0
    print(table(letters))
    if len(letters) == limit:
        print(f"(the newest {limit}; --limit for more)")
    return 0
