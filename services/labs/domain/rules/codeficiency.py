"""Deficiencies B12 treatment can reveal or exhaust: FOLATE_DEFICIENT, IRON_DEFICIENCY_UNMASKED.

Both compare with the result's reference range (own, laboratory or configured default):
clinical-reference.md gives no numbers for folate or ferritin, only "lab reference range", so
without any range these rules cannot judge and stay silent (the API shows the missing range).
"""

from __future__ import annotations

from collections.abc import Mapping

from services.labs.domain.catalogue import Analyte
from services.labs.domain.config import LabsConfig, Setting
from services.labs.domain.course import TreatmentCourse
from services.labs.domain.results import Measurement
from services.labs.domain.rules.base import (
    Cited,
    Finding,
    Rule,
    RuleInfo,
    Snapshot,
    build_finding,
    first_of_each_episode,
    settings_of,
    snapshots,
    threshold,
    treatment_day_item,
)
from shared.contracts import FlagReason, Threshold

FOLATE_INFO = RuleInfo(
    rule_id="labs.folate_deficient",
    version=1,
    reason=FlagReason.FOLATE_DEFICIENT,
    severity="warning",
    summary="Serum or red-cell folate below its reference range during treatment.",
)
IRON_INFO = RuleInfo(
    rule_id="labs.iron_deficiency_unmasked",
    version=1,
    reason=FlagReason.IRON_DEFICIENCY_UNMASKED,
    severity="warning",
    summary="Ferritin below its reference range during the haematological response.",
)

_FOLATES = (Analyte.SERUM_FOLATE, Analyte.RED_CELL_FOLATE)


def _below_range(measurement: Measurement) -> Threshold | None:
    """The low bound the measurement falls below, as a reported threshold; None otherwise."""
    reference = measurement.reference
    if reference is None or reference.low is None or measurement.value >= reference.low:
        return None
    name = f"{measurement.analyte.value} reference low ({reference.origin.value})"
    return Threshold(name=name[:64], value=reference.low, unit=reference.unit)


def evaluate_folate(course: TreatmentCourse, config: LabsConfig) -> list[Finding]:
    """One finding per episode of folate below its range on treatment."""

    def assess(state: Snapshot) -> Finding | None:
        low = [
            (m, below)
            for analyte in _FOLATES
            if (m := state.latest.get(analyte)) is not None
            and (below := _below_range(m)) is not None
        ]
        if not low:
            return None
        return build_finding(
            FOLATE_INFO,
            course=course,
            episode_start=state.at,
            cited=[Cited(m, m.analyte.value) for m, _ in low],
            thresholds=[below for _, below in low],
            measures=[treatment_day_item(course, m) for m, _ in low],
            recommendation=(
                "Folate is below its reference range during B12 treatment: review folate"
                " replacement alongside continued B12, never folic acid alone."
            ),
        )

    return first_of_each_episode(snapshots(course.on_treatment(*_FOLATES)), assess)


def evaluate_iron(course: TreatmentCourse, config: LabsConfig) -> list[Finding]:
    """One finding per episode of ferritin below its range during the response."""
    window = config.iron
    in_window = [
        m
        for m in course.on_treatment(Analyte.FERRITIN)
        if course.day_of(m) >= window.from_day.value
        and (window.until_day is None or course.day_of(m) <= window.until_day.value)
    ]

    def assess(state: Snapshot) -> Finding | None:
        result = state.latest[Analyte.FERRITIN]
        below = _below_range(result)
        if below is None:
            return None
        return build_finding(
            IRON_INFO,
            course=course,
            episode_start=state.at,
            cited=[Cited(result, "ferritin")],
            thresholds=[below, threshold("from_day", window.from_day)],
            measures=[treatment_day_item(course, result)],
            recommendation=(
                "Ferritin is below its reference range as the blood count responds to B12:"
                " review for iron deficiency unmasked by treatment."
            ),
        )

    return first_of_each_episode(snapshots(in_window), assess)


def _folate_settings(config: LabsConfig) -> Mapping[str, Setting]:
    return {}


def _iron_settings(config: LabsConfig) -> Mapping[str, Setting]:
    return settings_of(from_day=config.iron.from_day, until_day=config.iron.until_day)


FOLATE_RULE = Rule(info=FOLATE_INFO, evaluate=evaluate_folate, settings=_folate_settings)
IRON_RULE = Rule(info=IRON_INFO, evaluate=evaluate_iron, settings=_iron_settings)
