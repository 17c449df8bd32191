"""Haematological recovery (default from 8 weeks): HAEMOGLOBIN_NOT_RECOVERING,
MACROCYTOSIS_PERSISTING and, when B12 itself is normal, CHECK_COEXISTING_CAUSES."""

from __future__ import annotations

from collections.abc import Mapping

from services.labs.domain.catalogue import Analyte
from services.labs.domain.config import LabsConfig, Setting
from services.labs.domain.course import TreatmentCourse
from services.labs.domain.results import Measurement
from services.labs.domain.rules.base import (
    DAYS_PER_WEEK,
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
    anaemia_threshold,
    b12_deficient,
    haemoglobin_not_recovering,
    is_relapse,
    macrocytic,
)
from shared.contracts import AddLabChecks, FlagReason

HAEMOGLOBIN_INFO = RuleInfo(
    rule_id="labs.haemoglobin_not_recovering",
    version=1,
    reason=FlagReason.HAEMOGLOBIN_NOT_RECOVERING,
    severity="warning",
    summary="From the recovery day (default 8 weeks) Hb still below the anaemia threshold, or an"
    " anaemic baseline not risen from.",
)
MACROCYTOSIS_INFO = RuleInfo(
    rule_id="labs.macrocytosis_persisting",
    version=1,
    reason=FlagReason.MACROCYTOSIS_PERSISTING,
    severity="warning",
    summary="From the recovery day (default 8 weeks) MCV still above the macrocytosis threshold.",
)
COEXISTING_INFO = RuleInfo(
    rule_id="labs.check_coexisting_causes",
    version=1,
    reason=FlagReason.CHECK_COEXISTING_CAUSES,
    severity="info",
    summary="B12 normal on treatment but Hb or MCV not recovering from the recovery day"
    " (default 8 weeks): suggests folate, ferritin and TSH.",
)


def _recovery_results(
    analyte: Analyte, *, course: TreatmentCourse, config: LabsConfig
) -> list[Measurement]:
    """On-treatment results from the recovery day on that are not relapses on maintenance."""
    return [
        m
        for m in course.on_treatment(analyte)
        if course.day_of(m) >= config.recovery.from_day.value
        and not is_relapse(m, course=course, config=config)
    ]


def evaluate_haemoglobin(course: TreatmentCourse, config: LabsConfig) -> list[Finding]:
    """One finding per episode of Hb not recovering at 8 weeks or later."""
    limits = config.thresholds

    def assess(state: Snapshot) -> Finding | None:
        result = state.latest[Analyte.HAEMOGLOBIN]
        if not haemoglobin_not_recovering(result, course=course, config=config):
            return None
        baseline = course.baseline(Analyte.HAEMOGLOBIN)
        cited = [Cited(result, "haemoglobin")]
        if baseline is not None:
            cited.append(Cited(baseline, "baseline haemoglobin", baseline=True))
        weeks = course.day_of(result) // DAYS_PER_WEEK
        return build_finding(
            HAEMOGLOBIN_INFO,
            course=course,
            episode_start=state.at,
            cited=cited,
            thresholds=[
                threshold("anaemia_below", anaemia_threshold(course, config)),
                threshold("baseline_anaemic_below", limits.haemoglobin_baseline_anaemic_below),
                threshold("minimum_rise", config.recovery.haemoglobin_minimum_rise),
                threshold("from_day", config.recovery.from_day),
            ],
            measures=[treatment_day_item(course, result)],
            recommendation=(
                f"Haemoglobin has not recovered after {weeks} weeks of treatment: check"
                " adherence and review the diagnosis for a coexisting cause of anaemia."
            ),
        )

    return first_of_each_episode(
        snapshots(_recovery_results(Analyte.HAEMOGLOBIN, course=course, config=config)), assess
    )


def evaluate_macrocytosis(course: TreatmentCourse, config: LabsConfig) -> list[Finding]:
    """One finding per episode of MCV still above the threshold at 8 weeks or later."""

    def assess(state: Snapshot) -> Finding | None:
        result = state.latest[Analyte.MCV]
        if not macrocytic(result, config):
            return None
        weeks = course.day_of(result) // DAYS_PER_WEEK
        return build_finding(
            MACROCYTOSIS_INFO,
            course=course,
            episode_start=state.at,
            cited=[Cited(result, "mcv")],
            thresholds=[
                threshold("macrocytosis_above", config.thresholds.mcv_macrocytosis_above),
                threshold("from_day", config.recovery.from_day),
            ],
            measures=[treatment_day_item(course, result)],
            recommendation=(
                f"MCV remains above {config.thresholds.mcv_macrocytosis_above.value:g} fL after"
                f" {weeks} weeks of treatment: consider folate deficiency, alcohol, liver or"
                " thyroid disease and myelodysplasia."
            ),
        )

    return first_of_each_episode(
        snapshots(_recovery_results(Analyte.MCV, course=course, config=config)), assess
    )


def evaluate_coexisting_causes(course: TreatmentCourse, config: LabsConfig) -> list[Finding]:
    """One finding per episode of normal B12 with Hb or MCV not recovering."""
    settings = config.coexisting_causes
    relevant = [
        *_recovery_results(Analyte.HAEMOGLOBIN, course=course, config=config),
        *_recovery_results(Analyte.MCV, course=course, config=config),
        *course.on_treatment(Analyte.B12),
    ]

    def assess(state: Snapshot) -> Finding | None:
        b12 = state.latest.get(Analyte.B12)
        if b12 is None or b12_deficient(b12, config):
            return None
        cited = []
        haemoglobin = state.latest.get(Analyte.HAEMOGLOBIN)
        if haemoglobin and haemoglobin_not_recovering(haemoglobin, course=course, config=config):
            cited.append(Cited(haemoglobin, "haemoglobin"))
        mcv = state.latest.get(Analyte.MCV)
        if mcv and macrocytic(mcv, config):
            cited.append(Cited(mcv, "mcv"))
        if not cited:
            return None
        return build_finding(
            COEXISTING_INFO,
            course=course,
            episode_start=state.at,
            cited=[*cited, Cited(b12, "b12")],
            thresholds=[
                threshold("b12_deficient_below", config.thresholds.b12_deficient_below),
                threshold("anaemia_below", anaemia_threshold(course, config)),
                threshold("macrocytosis_above", config.thresholds.mcv_macrocytosis_above),
                threshold("from_day", config.recovery.from_day),
            ],
            measures=[treatment_day_item(course, c.measurement) for c in cited],
            recommendation=(
                "B12 is replete but the blood count is not recovering: check folate, ferritin"
                " and TSH for a coexisting cause."
            ),
            suggested_action=AddLabChecks(
                loinc_codes=list(settings.suggested_codes),
                within_days=int(settings.within_days.value),
                purpose="Coexisting causes of a poor response to B12: folate, iron, thyroid",
            ),
        )

    return first_of_each_episode(snapshots(relevant), assess)


def _haemoglobin_settings(config: LabsConfig) -> Mapping[str, Setting]:
    limits = config.thresholds
    return settings_of(
        anaemia_below=limits.haemoglobin_anaemia_below,
        baseline_anaemic_below=limits.haemoglobin_baseline_anaemic_below,
        minimum_rise=config.recovery.haemoglobin_minimum_rise,
        from_day=config.recovery.from_day,
    )


def _macrocytosis_settings(config: LabsConfig) -> Mapping[str, Setting]:
    return settings_of(
        macrocytosis_above=config.thresholds.mcv_macrocytosis_above,
        from_day=config.recovery.from_day,
    )


def _coexisting_settings(config: LabsConfig) -> Mapping[str, Setting]:
    return {
        **_haemoglobin_settings(config),
        **_macrocytosis_settings(config),
        "b12_deficient_below": config.thresholds.b12_deficient_below,
        "suggested_within_days": config.coexisting_causes.within_days,
    }


def _coexisting_parameters(config: LabsConfig) -> Mapping[str, str]:
    settings = config.coexisting_causes
    return {
        "suggested_codes": ", ".join(settings.suggested_codes),
        "suggested_codes_source": settings.suggested_codes_source,
    }


HAEMOGLOBIN_RULE = Rule(
    info=HAEMOGLOBIN_INFO, evaluate=evaluate_haemoglobin, settings=_haemoglobin_settings
)
MACROCYTOSIS_RULE = Rule(
    info=MACROCYTOSIS_INFO, evaluate=evaluate_macrocytosis, settings=_macrocytosis_settings
)
COEXISTING_RULE = Rule(
    info=COEXISTING_INFO,
    evaluate=evaluate_coexisting_causes,
    settings=_coexisting_settings,
    parameters=_coexisting_parameters,
)
