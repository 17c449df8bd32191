"""The protocol library: the data files load, cite known sources, and bad data is refused."""

from __future__ import annotations

import json

import pytest

from services.planner.domain import (
    ProtocolDataError,
    SafetyBounds,
    UnknownProtocolError,
    list_protocols,
    parse_protocol_library,
)
from services.planner.domain.library import PROTOCOL_DIR, SOURCES_FILE
from tests.unit.planner.builders import LIBRARY

SOURCES = json.loads((PROTOCOL_DIR / SOURCES_FILE).read_text())
UK = json.loads((PROTOCOL_DIR / "uk-hydroxocobalamin-no-neuro.v1.json").read_text())


def _parse(document: dict[str, object], name: str | None = None) -> None:
    name = name or f"{document['id']}.v{document['version']}.json"
    parse_protocol_library({name: json.dumps(document)}, sources=SOURCES, bounds=SafetyBounds())


def test_the_library_holds_the_eight_protocols_of_the_issue():
    assert [p.id for p in LIBRARY.protocols()] == [
        "dietary-oral-cyanocobalamin",
        "oral-high-dose-cyanocobalamin",
        "seed-confirmed-not-severe",
        "seed-severe-or-neuro",
        "uk-hydroxocobalamin-neuro",
        "uk-hydroxocobalamin-no-neuro",
        "us-cyanocobalamin-1000-practice",
        "us-cyanocobalamin-label",
    ]


def test_every_protocol_and_phase_cites_sources_from_the_clinical_reference():
    for protocol in LIBRARY.protocols():
        assert protocol.sources
        assert all(key in SOURCES for key in protocol.sources)
        assert all(phase.sources for phase in protocol.phases)


def test_listing_resolves_citations_for_get_protocols():
    listing = {item.protocol.id: item for item in list_protocols(LIBRARY)}
    uk = listing["uk-hydroxocobalamin-no-neuro"]
    assert [c.key for c in uk.citations] == ["BNF-f", "Scot", "ICB-COVID"]
    assert "RCGP" in uk.citations[2].title
    body = uk.model_dump(mode="json")
    assert body["protocol"]["phases"][1]["frequency"] == {
        "kind": "every",
        "period": {"count": 12, "unit": "weeks"},
    }


def test_get_returns_the_latest_version_unless_one_is_named():
    newer = {**UK, "version": 2, "title": "UK hydroxocobalamin v2"}
    library = parse_protocol_library(
        {
            "uk-hydroxocobalamin-no-neuro.v1.json": json.dumps(UK),
            "uk-hydroxocobalamin-no-neuro.v2.json": json.dumps(newer),
        },
        sources=SOURCES,
        bounds=SafetyBounds(),
    )
    assert library.get("uk-hydroxocobalamin-no-neuro").version == 2
    assert library.get("uk-hydroxocobalamin-no-neuro", 1).version == 1
    assert len(library.protocols()) == 1
    assert len(library.protocols(all_versions=True)) == 2
    with pytest.raises(UnknownProtocolError, match="no version 3"):
        library.get("uk-hydroxocobalamin-no-neuro", 3)


def test_an_unknown_protocol_names_the_known_ones():
    with pytest.raises(UnknownProtocolError, match="uk-hydroxocobalamin-neuro"):
        LIBRARY.get("no-such-protocol")


def test_an_unknown_source_key_is_refused():
    with pytest.raises(ProtocolDataError, match=r"unknown source keys \['Wikipedia'\]"):
        _parse({**UK, "sources": [*UK["sources"], "Wikipedia"]})


def test_a_three_monthly_injection_breaks_the_spacing_cap():
    phases = [dict(phase) for phase in UK["phases"]]
    phases[1]["frequency"] = {"kind": "every", "period": {"count": 3, "unit": "months"}}
    with pytest.raises(ProtocolDataError, match="exceed the 12-week spacing cap"):
        _parse({**UK, "phases": phases})


def test_only_the_last_phase_may_be_open_ended():
    phases = [dict(phase) for phase in UK["phases"]]
    phases[0]["duration"] = {"kind": "open_ended"}
    with pytest.raises(ProtocolDataError, match="only the last phase may be open-ended"):
        _parse({**UK, "phases": phases})


def test_phases_must_be_in_treatment_order():
    with pytest.raises(ProtocolDataError, match="loading, consolidation, maintenance"):
        _parse({**UK, "phases": list(reversed(UK["phases"]))})


def test_the_file_name_must_carry_id_and_version():
    with pytest.raises(ProtocolDataError, match="must be named"):
        _parse(UK, name="uk.json")


def test_a_frequency_needs_its_parameters():
    phases = [dict(phase) for phase in UK["phases"]]
    phases[0]["frequency"] = {"kind": "times_per_week"}
    with pytest.raises(ProtocolDataError, match="times"):
        _parse({**UK, "phases": phases})
