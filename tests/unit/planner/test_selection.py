"""Protocol selection: every indication x severity x neurology, preferences, overrides, lifelong."""

from __future__ import annotations

import itertools

import pytest

from services.planner.domain import NotApplicableError, PatientFacts, select_protocol
from shared.contracts import Indication, Severity
from tests.unit.planner.builders import LIBRARY, RULES

LIFELONG = {
    Indication.PERNICIOUS_ANAEMIA: True,
    Indication.GASTRECTOMY: True,
    Indication.BARIATRIC_SURGERY: True,
    Indication.ILEAL_RESECTION: True,
    Indication.MALABSORPTION_OTHER: False,
    Indication.DIETARY: False,
    Indication.DRUG_RELATED: False,
    Indication.OTHER: False,
}
COMBOS = list(itertools.product(Indication, Severity, [False, True]))


def _select(indication, severity, neuro, *, route=None, region=None, chosen=None, pregnant=False):
    facts = PatientFacts(
        indication=indication,
        severity=severity,
        neurological_involvement=neuro,
        pregnant=pregnant,
        route_preference=route,
        region_preference=region,
    )
    return select_protocol(facts, library=LIBRARY, rules=RULES.selection, chosen_protocol_id=chosen)


def _expected_uk(indication: Indication, severity: Severity, neuro: bool) -> str:
    if neuro:
        return "uk-hydroxocobalamin-neuro"
    if indication == Indication.DIETARY and severity != Severity.SEVERE:
        return "dietary-oral-cyanocobalamin"
    return "uk-hydroxocobalamin-no-neuro"


@pytest.mark.parametrize(("indication", "severity", "neuro"), COMBOS)
def test_every_combination_gets_the_uk_default_protocol_and_lifelong_flag(
    indication, severity, neuro
):
    selection = _select(indication, severity, neuro)
    assert selection.protocol_id == _expected_uk(indication, severity, neuro)
    assert selection.lifelong is LIFELONG[indication]
    assert selection.rationale[0].startswith("No region preference: UK")
    assert any("[" in reason for reason in selection.rationale)  # reasons cite their sources


@pytest.mark.parametrize(
    ("indication", "severity", "neuro", "expected"),
    [
        (Indication.PERNICIOUS_ANAEMIA, Severity.MILD, False, "us-cyanocobalamin-label"),
        (Indication.PERNICIOUS_ANAEMIA, Severity.MODERATE, False, "us-cyanocobalamin-label"),
        (Indication.PERNICIOUS_ANAEMIA, Severity.SEVERE, False, "us-cyanocobalamin-1000-practice"),
        (Indication.PERNICIOUS_ANAEMIA, Severity.MILD, True, "us-cyanocobalamin-1000-practice"),
        (Indication.BARIATRIC_SURGERY, Severity.MODERATE, False, "us-cyanocobalamin-label"),
        (Indication.DIETARY, Severity.MILD, False, "dietary-oral-cyanocobalamin"),
        (Indication.DIETARY, Severity.SEVERE, False, "us-cyanocobalamin-1000-practice"),
        (Indication.DIETARY, Severity.MODERATE, True, "us-cyanocobalamin-1000-practice"),
    ],
)
def test_us_region(indication, severity, neuro, expected):
    assert _select(indication, severity, neuro, region="US").protocol_id == expected


def test_oral_preference_without_neurology_gets_high_dose_oral():
    selection = _select(Indication.PERNICIOUS_ANAEMIA, Severity.MILD, False, route="oral")
    assert selection.protocol_id == "oral-high-dose-cyanocobalamin"
    assert selection.route == "oral"
    assert selection.lifelong is True


@pytest.mark.parametrize(("severity", "neuro"), [(Severity.SEVERE, False), (Severity.MILD, True)])
def test_oral_preference_is_overridden_by_neurology_or_severity(severity, neuro):
    selection = _select(Indication.DRUG_RELATED, severity, neuro, route="oral")
    assert selection.route == "IM"
    assert "Oral route preference not followed: injections are needed here." in selection.rationale


def test_dietary_with_an_injection_preference_gets_injections():
    selection = _select(Indication.DIETARY, Severity.MILD, False, route="IM")
    assert selection.protocol_id == "uk-hydroxocobalamin-no-neuro"


def test_subcutaneous_preference_is_followed_only_where_the_label_allows_it():
    us = _select(Indication.PERNICIOUS_ANAEMIA, Severity.MILD, False, route="SC", region="US")
    assert (us.protocol_id, us.route) == ("us-cyanocobalamin-label", "SC")
    uk = _select(Indication.PERNICIOUS_ANAEMIA, Severity.MILD, False, route="SC")
    assert uk.route == "IM"
    assert any("SC is not available" in reason for reason in uk.rationale)


def test_neurological_involvement_asks_for_urgent_haematology_advice():
    selection = _select(Indication.PERNICIOUS_ANAEMIA, Severity.MODERATE, True)
    assert any("urgent haematology advice [CKS]" in reason for reason in selection.rationale)


def test_a_clinician_may_choose_another_protocol_and_the_recommendation_is_kept():
    selection = _select(
        Indication.PERNICIOUS_ANAEMIA, Severity.SEVERE, False, chosen="seed-severe-or-neuro"
    )
    assert selection.protocol_id == "seed-severe-or-neuro"
    assert selection.recommended_protocol_id == "uk-hydroxocobalamin-no-neuro"
    assert any("Clinician chose seed-severe-or-neuro v1" in r for r in selection.rationale)


def test_a_lifelong_cause_cannot_take_a_protocol_that_ends():
    with pytest.raises(NotApplicableError, match="pernicious_anaemia needs lifelong treatment"):
        _select(
            Indication.PERNICIOUS_ANAEMIA,
            Severity.MILD,
            False,
            chosen="dietary-oral-cyanocobalamin",
        )


def test_drug_related_is_reviewable_not_lifelong():
    selection = _select(Indication.DRUG_RELATED, Severity.MILD, False)
    assert selection.lifelong is False
    assert any("metformin" in reason for reason in selection.rationale)
