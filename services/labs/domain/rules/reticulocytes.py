"""NO_RETICULOCYTE_RESPONSE: no reticulocyte rise in the days the response should peak."""

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
from shared.contracts import EvidenceItem, FlagReason, Threshold

INFO = RuleInfo(
    rule_id="labs.no_reticulocyte_response",
    version=1,
    reason=FlagReason.NO_RETICULOCYTE_RESPONSE,
    severity="warning",
    summary="A reticulocyte result in the response window (default treatment days 5-14) not"
    " above baseline (or, without a baseline, not above its reference range).",
)

_RETICULOCYTES = (Analyte.RETICULOCYTES_PERCENT, Analyte.RETICULOCYTES_ABSOLUTE)


def evaluate(course: TreatmentCourse, config: LabsConfig) -> list[Finding]:
    """One finding per episode of in-window reticulocytes that have not risen."""
    window = config.reticulocyte_response
    in_window = [
        m
        for m in course.on_treatment(*_RETICULOCYTES)
        if window.from_day.value <= course.day_of(m) <= window.to_day.value
    ]

    def assess(state: Snapshot) -> Finding | None:
        cited: list[Cited] = []
        thresholds = [
            threshold("window_from_day", window.from_day),
            threshold("window_to_day", window.to_day),
        ]
        measures: list[EvidenceItem] = []
        for analyte in _RETICULOCYTES:
            result = state.latest.get(analyte)
            if result is None:
                continue
            baseline = course.baseline(analyte)
            if baseline is not None:
                if result.value > baseline.value:
                    continue
                cited.append(Cited(baseline, f"baseline {analyte.value}", baseline=True))
            else:
                high = result.reference.high if result.reference else None
                if high is None or result.value > high:
                    continue
                thresholds.append(
                    Threshold(name=f"{analyte.value} reference high", value=high, unit=result.unit)
                )
            cited.append(Cited(result, analyte.value))
            measures.append(treatment_day_item(course, result))
        if not any(not c.baseline for c in cited):
            return None
        compared = "its baseline" if any(c.baseline for c in cited) else "the reference range"
        day = max(int(item.value or 0) for item in measures)
        return build_finding(
            INFO,
            course=course,
            episode_start=state.at,
            cited=cited,
            thresholds=thresholds,
            measures=measures,
            recommendation=(
                f"Reticulocytes have not risen above {compared} by day {day} of treatment:"
                " confirm the doses were given and review the diagnosis for a coexisting iron"
                " or folate deficiency or a marrow disorder."
            ),
        )

    return first_of_each_episode(snapshots(in_window), assess)


def _settings(config: LabsConfig) -> Mapping[str, Setting]:
    window = config.reticulocyte_response
    return settings_of(window_from_day=window.from_day, window_to_day=window.to_day)


RULE = Rule(info=INFO, evaluate=evaluate, settings=_settings)
