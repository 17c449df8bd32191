"""Every labs rule of the flag catalogue, and their evaluation over a patient's course."""

from __future__ import annotations

from services.labs.domain.config import LabsConfig
from services.labs.domain.course import TreatmentCourse, course_of
from services.labs.domain.rules import b12, codeficiency, haematology, potassium, relapse
from services.labs.domain.rules import reticulocytes as _reticulocytes
from services.labs.domain.rules.base import EvidenceRef, Finding, Rule, RuleInfo
from services.labs.domain.timeline import LabTimeline
from services.labs.domain.treatment import TreatmentContext

ALL_RULES: tuple[Rule, ...] = (
    _reticulocytes.RULE,
    haematology.HAEMOGLOBIN_RULE,
    haematology.MACROCYTOSIS_RULE,
    b12.NOT_REPLETED_RULE,
    b12.FUNCTIONAL_RULE,
    haematology.COEXISTING_RULE,
    codeficiency.FOLATE_RULE,
    codeficiency.IRON_RULE,
    potassium.RULE,
    relapse.RULE,
)


def evaluate_course(
    course: TreatmentCourse, *, config: LabsConfig, rules: tuple[Rule, ...] = ALL_RULES
) -> tuple[Finding, ...]:
    """Every finding the rules draw from the course, ordered by episode start then rule."""
    findings = [finding for rule in rules for finding in rule.evaluate(course, config)]
    return tuple(sorted(findings, key=lambda f: (f.episode_start, f.rule_id, f.dedupe_key)))


def evaluate_labs(
    *, timeline: LabTimeline, context: TreatmentContext, config: LabsConfig
) -> tuple[Finding, ...]:
    """Evaluate every labs rule over the patient's effective results against the plan."""
    return evaluate_course(course_of(timeline, context), config=config)


__all__ = [
    "ALL_RULES",
    "EvidenceRef",
    "Finding",
    "Rule",
    "RuleInfo",
    "evaluate_course",
    "evaluate_labs",
]
