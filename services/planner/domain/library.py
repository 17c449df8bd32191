"""The protocol library: parse and validate the versioned data files, look up and list them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from services.planner.domain.config import SafetyBounds
from services.planner.domain.errors import ProtocolDataError, UnknownProtocolError
from services.planner.domain.protocols import Every, Protocol

PROTOCOL_DIR = Path(__file__).resolve().parent.parent / "protocols"
SOURCES_FILE = "sources.json"
PROTOCOL_GLOB = "*.v*.json"


class Citation(BaseModel):
    """A source key and what it refers to (clinical-reference.md, Sources)."""

    model_config = ConfigDict(frozen=True)

    key: str
    title: str


class ProtocolListing(BaseModel):
    """One protocol as ``GET /protocols`` shows it: the data plus its resolved citations."""

    model_config = ConfigDict(frozen=True)

    protocol: Protocol
    citations: list[Citation]


class ProtocolLibrary:
    """Every protocol version known to the planner, validated; read-only after construction."""

    def __init__(self, protocols: Iterable[Protocol], *, sources: Mapping[str, str]) -> None:
        self._sources = dict(sources)
        self._by_key: dict[tuple[str, int], Protocol] = {}
        for protocol in protocols:
            key = (protocol.id, protocol.version)
            if key in self._by_key:
                raise ProtocolDataError(
                    f"protocol {protocol.id} v{protocol.version} is defined twice"
                )
            self._by_key[key] = protocol

    @property
    def sources(self) -> Mapping[str, str]:
        """Source key -> title."""
        return self._sources

    def get(self, protocol_id: str, version: int | None = None) -> Protocol:
        """The given version of a protocol, or its latest version when ``version`` is None."""
        if version is not None:
            found = self._by_key.get((protocol_id, version))
            if found is None:
                raise UnknownProtocolError(f"protocol {protocol_id!r} has no version {version}")
            return found
        versions = [p for (pid, _), p in self._by_key.items() if pid == protocol_id]
        if not versions:
            known = ", ".join(sorted({pid for pid, _ in self._by_key}))
            raise UnknownProtocolError(f"unknown protocol {protocol_id!r}; known: {known}")
        return max(versions, key=lambda p: p.version)

    def protocols(self, *, all_versions: bool = False) -> list[Protocol]:
        """Protocols sorted by id then version; only the latest version of each by default."""
        ordered = sorted(self._by_key.values(), key=lambda p: (p.id, p.version))
        if all_versions:
            return ordered
        latest: dict[str, Protocol] = {}
        for protocol in ordered:
            latest[protocol.id] = protocol
        return list(latest.values())


def parse_protocol_library(
    documents: Mapping[str, str | bytes], *, sources: Mapping[str, str], bounds: SafetyBounds
) -> ProtocolLibrary:
    """Validate protocol documents (file name -> JSON text) into a library."""
    protocols = []
    for name, text in sorted(documents.items()):
        try:
            protocol = Protocol.model_validate_json(text)
        except ValidationError as exc:
            raise ProtocolDataError(f"{name}: {exc}") from None
        expected_name = f"{protocol.id}.v{protocol.version}.json"
        if name != expected_name:
            raise ProtocolDataError(
                f"{name}: a file holding {protocol.id} v{protocol.version} "
                f"must be named {expected_name}"
            )
        _check_sources(name, protocol, sources=sources)
        _check_spacing_cap(name, protocol, bounds=bounds)
        protocols.append(protocol)
    return ProtocolLibrary(protocols, sources=sources)


def load_protocol_library(
    directory: Path = PROTOCOL_DIR, *, bounds: SafetyBounds
) -> ProtocolLibrary:
    """Read and validate the library's data files (once, at start-up)."""
    sources = json.loads((directory / SOURCES_FILE).read_text(encoding="utf-8"))
    documents = {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted(directory.glob(PROTOCOL_GLOB))
    }
    if not documents:
        raise ProtocolDataError(f"no protocol files ({PROTOCOL_GLOB}) in {directory}")
    return parse_protocol_library(documents, sources=sources, bounds=bounds)


def list_protocols(
    library: ProtocolLibrary, *, all_versions: bool = False
) -> list[ProtocolListing]:
    """The protocols for ``GET /protocols``, with phases, doses, intervals and cited sources."""
    return [
        ProtocolListing(
            protocol=protocol,
            citations=[Citation(key=key, title=library.sources[key]) for key in protocol.sources],
        )
        for protocol in library.protocols(all_versions=all_versions)
    ]


def _check_sources(name: str, protocol: Protocol, *, sources: Mapping[str, str]) -> None:
    unknown = sorted(set(protocol.sources) - set(sources))
    if unknown:
        raise ProtocolDataError(
            f"{name}: unknown source keys {unknown}; add them to {SOURCES_FILE}"
        )


def _check_spacing_cap(name: str, protocol: Protocol, *, bounds: SafetyBounds) -> None:
    # Why at load time: a regimen that cannot respect the cap must never reach a patient's plan.
    if not protocol.injected:
        return
    for phase in protocol.phases:
        frequency = phase.frequency
        if isinstance(frequency, Every) and frequency.period.longest_days > bounds.spacing_cap_days:
            raise ProtocolDataError(
                f"{name}: {phase.phase} every {frequency.period.describe()} can exceed the "
                f"{bounds.maintenance_interval_weeks_max}-week spacing cap "
                f"({bounds.maintenance_interval_source})"
            )
