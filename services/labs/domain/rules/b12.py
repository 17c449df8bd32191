"""B12 status after loading: B12_NOT_REPLETED and FUNCTIONAL_DEFICIENCY_PERSISTING."""

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
from services.labs.domain.rules.markers import (
    b12_deficient,
    functional_marker_elevated,
    is_relapse,
)
from shared.contracts import FlagReason

NOT_REPLETED_INFO = RuleInfo(
    rule_id="labs.b12_not_repleted",
    version=1,
    reason=FlagReason.B12_NOT_REPLETED,
    severity="warning",
    summary="A B12 result after the loading phase still in the deficient band.",
)
FUNCTIONAL_INFO = RuleInfo(
    rule_id="labs.functional_deficiency_persisting",
    version=1,
    reason=FlagReason.FUNCTIONAL_DEFICIENCY_PERSISTING,
    severity="warning",
    summary="MMA or homocysteine still elevated after the loading phase while B12 is normal.",
)

_FUNCTIONAL_MARKERS = (Analyte.METHYLMALONIC_ACID, Analyte.HOMOCYSTEINE)


def evaluate_not_repleted(course: TreatmentCourse, config: LabsConfig) -> list[Finding]:
    """One finding per episode of B12 still deficient after loading."""
    after_loading = [m for m in course.on_treatment(Analyte.B12) if course.is_after_loading(m)]
    baseline = course.baseline(Analyte.B12)

    def assess(state: Snapshot) -> Finding | None:
        result = state.latest[Analyte.B12]
        if not b12_deficient(result, config):
            return None
        cited = [Cited(result, "b12")]
        if baseline is not None:
            cited.append(Cited(baseline, "baseline b12", baseline=True))
        return build_finding(
            NOT_REPLETED_INFO,
            course=course,
            episode_start=state.at,
            cited=cited,
            thresholds=[threshold("b12_deficient_below", config.thresholds.b12_deficient_below)],
            measures=[treatment_day_item(course, result)],
            recommendation=(
                "B12 is still in the deficient band after loading: confirm the injections were"
                " given and review the sample timing and the diagnosis."
            ),
        )

    return first_of_each_episode(snapshots(after_loading), assess)


def evaluate_functional(course: TreatmentCourse, config: LabsConfig) -> list[Finding]:
    """One finding per episode of elevated MMA or homocysteine with a normal B12."""
    markers = [
        m
        for m in course.on_treatment(*_FUNCTIONAL_MARKERS)
        if course.is_after_loading(m) and not is_relapse(m, course=course, config=config)
    ]
    relevant = [*markers, *course.on_treatment(Analyte.B12)]

    def assess(state: Snapshot) -> Finding | None:
        b12 = state.latest.get(Analyte.B12)
        if b12 is None or b12_deficient(b12, config):
            return None
        elevated = [
            Cited(m, m.analyte.value)
            for analyte in _FUNCTIONAL_MARKERS
            if (m := state.latest.get(analyte)) is not None
            and functional_marker_elevated(m, config)
        ]
        if not elevated:
            return None
        limits = config.thresholds
        return build_finding(
            FUNCTIONAL_INFO,
            course=course,
            episode_start=state.at,
            cited=[*elevated, Cited(b12, "b12")],
            thresholds=[
                threshold("mma_elevated_above", limits.mma_elevated_above),
                threshold("homocysteine_elevated_above", limits.homocysteine_elevated_above),
                threshold("b12_deficient_below", limits.b12_deficient_below),
            ],
            measures=[treatment_day_item(course, c.measurement) for c in elevated],
            recommendation=(
                "MMA or homocysteine remains elevated although B12 is normal: check renal"
                " function and folate status and review for an ongoing functional deficiency."
            ),
        )

    return first_of_each_episode(snapshots(relevant), assess)


def _not_repleted_settings(config: LabsConfig) -> Mapping[str, Setting]:
    return settings_of(b12_deficient_below=config.thresholds.b12_deficient_below)


def _functional_settings(config: LabsConfig) -> Mapping[str, Setting]:
    limits = config.thresholds
    return settings_of(
        mma_elevated_above=limits.mma_elevated_above,
        homocysteine_elevated_above=limits.homocysteine_elevated_above,
        b12_deficient_below=limits.b12_deficient_below,
    )


NOT_REPLETED_RULE = Rule(
    info=NOT_REPLETED_INFO, evaluate=evaluate_not_repleted, settings=_not_repleted_settings
)
FUNCTIONAL_RULE = Rule(
    info=FUNCTIONAL_INFO, evaluate=evaluate_functional, settings=_functional_settings
)
