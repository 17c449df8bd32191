"""HYPOKALAEMIA: potassium low in the first days of treatment, as new red cells take it up."""

from __future__ import annotations

from collections.abc import Mapping

from services.labs.domain.catalogue import Analyte
from services.labs.domain.config import LabsConfig, Setting
from services.labs.domain.course import TreatmentCourse
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
from shared.contracts import FlagReason

INFO = RuleInfo(
    rule_id="labs.hypokalaemia",
    version=1,
    reason=FlagReason.HYPOKALAEMIA,
    severity="urgent",
    summary="Potassium below the low threshold in the first days of treatment (default 7: days"
    " 0-6).",
)


def evaluate(course: TreatmentCourse, config: LabsConfig) -> list[Finding]:
    """One urgent finding per episode of low potassium early in treatment."""
    # Not restricted to patients known to be anaemic: a baseline Hb may not have reached labs,
    # and a low potassium in the first week is worth urgent review whatever the Hb.
    settings = config.hypokalaemia
    early = [
        m
        for m in course.on_treatment(Analyte.POTASSIUM)
        if course.day_of(m) < settings.within_days.value
    ]

    def assess(state: Snapshot) -> Finding | None:
        result = state.latest[Analyte.POTASSIUM]
        low = config.thresholds.potassium_low_below
        if result.value >= low.value:
            return None
        return build_finding(
            INFO,
            course=course,
            episode_start=state.at,
            cited=[Cited(result, "potassium")],
            thresholds=[
                threshold("potassium_low_below", low),
                threshold("within_days", settings.within_days),
            ],
            measures=[treatment_day_item(course, result)],
            recommendation=(
                f"Potassium is below {low.value:g} mmol/L on day {course.day_of(result)} of"
                " treatment: review urgently, consider replacement and repeat the level."
            ),
        )

    return first_of_each_episode(snapshots(early), assess)


def _settings(config: LabsConfig) -> Mapping[str, Setting]:
    return settings_of(
        potassium_low_below=config.thresholds.potassium_low_below,
        within_days=config.hypokalaemia.within_days,
    )


RULE = Rule(info=INFO, evaluate=evaluate, settings=_settings)
