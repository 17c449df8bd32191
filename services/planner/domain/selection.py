"""Choosing a protocol for a patient, with the reasons, and deciding whether treatment is lifelong.

Decisions where the sources are silent (each one is visible in the rationale):

* No region preference: the configured default region (UK: the BNF regimens, the best sourced).
* Oral treatment is recommended only without neurological involvement and without severe
  deficiency: dietary causes get low-dose oral [Scot][SPS]; other causes get high-dose oral only
  when the oral route is preferred [Scot][BMJ-NG239]. An oral preference is overridden (and the
  rationale says so) when nerves are involved or the deficiency is severe.
* Lifelong: pernicious anaemia, gastrectomy (read as total; a partial one is the clinician's
  call), bariatric surgery and ileal resection [NICE-R][Scot][FDA-CN]. Dietary causes can stop
  once corrected [SPS]. Drug-related, other malabsorption and other causes are NOT lifelong by
  default but reviewable: their maintenance still runs open-ended until a clinician stops it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.planner.domain.config import Region, SelectionRules
from services.planner.domain.errors import NotApplicableError
from services.planner.domain.library import ProtocolLibrary
from services.planner.domain.protocols import Protocol
from shared.contracts.vocabulary import Indication, Route, Severity

_LIFELONG_REASONS: dict[Indication, str] = {
    Indication.PERNICIOUS_ANAEMIA: "Pernicious anaemia: treatment is lifelong and never stopped "
    "automatically [NICE-R][Scot][FDA-CN].",
    Indication.GASTRECTOMY: "Gastrectomy: an irreversible cause, so treatment is lifelong "
    "[NICE-R][Scot] (read as total gastrectomy; after a partial one the clinician may review).",
    Indication.BARIATRIC_SURGERY: "Bariatric surgery: an irreversible cause, so treatment is "
    "lifelong [NICE-R][Scot].",
    Indication.ILEAL_RESECTION: "Ileal resection: an irreversible cause, so treatment is lifelong "
    "[NICE-R][Scot].",
}
_NOT_LIFELONG_REASONS: dict[Indication, str] = {
    Indication.DIETARY: "Dietary cause: treatment can stop once the deficiency is corrected and "
    "the diet has improved; vegans may need it for life [SPS].",
    Indication.DRUG_RELATED: "Drug-related cause: not lifelong by default; review whether the drug "
    "continues (metformin: continue it and monitor B12) [MHRA][Pulse].",
    Indication.MALABSORPTION_OTHER: "Other malabsorption: not lifelong by default; review at the "
    "clinical review whether the cause persists (if irreversible, treat for life).",
    Indication.OTHER: "Other cause: not lifelong by default; review at the clinical review whether "
    "the cause persists.",
}


class PatientFacts(BaseModel):
    """What selection looks at: the cause, severity, neurology, pregnancy and preferences."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indication: Indication
    severity: Severity
    neurological_involvement: bool
    pregnant: bool = False
    route_preference: Route | None = None
    region_preference: Region | None = None


class Selection(BaseModel):
    """The protocol chosen for a patient, the route, whether lifelong, and why."""

    model_config = ConfigDict(frozen=True)

    protocol_id: str
    protocol_version: int
    recommended_protocol_id: str
    route: Route
    lifelong: bool
    rationale: list[str]


def is_lifelong(indication: Indication, rules: SelectionRules) -> bool:
    """True when the cause calls for lifelong treatment (configurable; never ended by itself)."""
    return indication in rules.lifelong_indications


def select_protocol(
    facts: PatientFacts,
    *,
    library: ProtocolLibrary,
    rules: SelectionRules,
    chosen_protocol_id: str | None = None,
) -> Selection:
    """Recommend a protocol for ``facts`` (or take the clinician's choice) and explain why."""
    recommended_id, reasons = _recommend(facts, rules)
    recommended = library.get(recommended_id)
    protocol = recommended
    if chosen_protocol_id is not None:
        protocol = library.get(chosen_protocol_id)
        reasons.extend(_override_reasons(facts, recommended=recommended, chosen=protocol))
    route, route_reason = _route(protocol, facts.route_preference)
    if route_reason:
        reasons.append(route_reason)
    lifelong = is_lifelong(facts.indication, rules)
    reasons.append(
        _LIFELONG_REASONS.get(facts.indication)
        or _NOT_LIFELONG_REASONS.get(facts.indication)
        or (
            f"{facts.indication.value}: lifelong by configuration."
            if lifelong
            else f"{facts.indication.value}: not lifelong by configuration."
        )
    )
    if lifelong and not protocol.open_ended:
        raise NotApplicableError(
            f"protocol {protocol.id} ends ({protocol.phases[-1].duration.kind}) but "
            f"{facts.indication.value} needs lifelong treatment: choose a protocol whose "
            "maintenance is open-ended"
        )
    return Selection(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        recommended_protocol_id=recommended.id,
        route=route,
        lifelong=lifelong,
        rationale=reasons,
    )


def _recommend(facts: PatientFacts, rules: SelectionRules) -> tuple[str, list[str]]:
    reasons: list[str] = []
    region = facts.region_preference or rules.default_region
    if facts.region_preference is None:
        reasons.append(f"No region preference: {region} guidance is the configured default.")
    else:
        reasons.append(f"Region preference: {region}.")
    severe = facts.severity == Severity.SEVERE
    oral_allowed = not facts.neurological_involvement and not severe
    preference = facts.route_preference
    if oral_allowed and facts.indication == Indication.DIETARY and preference in (None, "oral"):
        reasons.append(
            "Dietary cause without neurological involvement or severe deficiency: oral "
            "cyanocobalamin 50-150 mcg daily between meals [Scot][SPS]."
        )
        return rules.dietary_oral, reasons
    if oral_allowed and preference == "oral":
        reasons.append(
            "Oral route preferred, no neurological involvement or severe deficiency: oral "
            "cyanocobalamin 1-2 mg daily [Scot][BMJ-NG239]."
        )
        return rules.oral_high_dose, reasons
    if facts.neurological_involvement:
        reasons.append(
            "Neurological involvement: injections, and seek urgent haematology advice [CKS]."
        )
    elif severe:
        reasons.append("Severe deficiency: injections restore B12 stores fastest (seed document).")
    if preference == "oral":
        reasons.append("Oral route preference not followed: injections are needed here.")
    elif facts.indication == Indication.DIETARY:
        reasons.append(f"Dietary cause, but injections are indicated or preferred ({preference}).")
    return _injection_protocol(facts, region=region, rules=rules, reasons=reasons), reasons


def _injection_protocol(
    facts: PatientFacts, *, region: Region, rules: SelectionRules, reasons: list[str]
) -> str:
    severe = facts.severity == Severity.SEVERE
    if region == "US":
        if severe or facts.neurological_involvement:
            reasons.append(
                "US practice for severe deficiency or neurological involvement: 1000 mcg daily "
                "for a week, weekly for 4 weeks, then monthly (seed document) [DrugsCom]."
            )
            return rules.us_severe_or_neuro
        reasons.append(
            "US cyanocobalamin label: 100 mcg daily for 7 days, alternate days for 7 doses, "
            "twice weekly for 3 weeks, then monthly [FDA-CN]."
        )
        return rules.us_standard
    if facts.neurological_involvement:
        reasons.append(
            "Neurological involvement: hydroxocobalamin 1 mg IM on alternate days until no further "
            "improvement (review planned), then every 2 months (8 weeks) [BNF-f][Scot]."
        )
        return rules.uk_with_neuro
    reasons.append(
        "No neurological involvement: hydroxocobalamin 1 mg IM three times a week for 2 weeks, "
        "then every 3 months, scheduled every 12 weeks (spacing cap) [BNF-f][Scot][ICB-COVID]."
    )
    if severe:
        reasons.append(
            "Severe deficiency does not change the BNF regimen; the seed regimen for severe "
            "deficiency (seed-severe-or-neuro) is an alternative a clinician may choose."
        )
    return rules.uk_without_neuro


def _override_reasons(facts: PatientFacts, *, recommended: Protocol, chosen: Protocol) -> list[str]:
    if chosen.id == recommended.id:
        return [f"Clinician confirmed the recommended protocol {chosen.id} v{chosen.version}."]
    reasons = [
        f"Clinician chose {chosen.id} v{chosen.version} "
        f"instead of the recommended {recommended.id}."
    ]
    if not chosen.injected and facts.neurological_involvement:
        reasons.append(
            "Caution: an oral protocol was chosen despite neurological involvement [CKS]."
        )
    return reasons


def _route(protocol: Protocol, preference: Route | None) -> tuple[Route, str | None]:
    default = protocol.routes[0]
    if preference is None or preference == default:
        return default, None
    if preference in protocol.routes:
        return preference, f"Route preference {preference} followed ({protocol.title} allows it)."
    return default, (
        f"Route preference {preference} is not available for {protocol.title}; {default} is used."
    )
