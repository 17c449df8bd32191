"""RELAPSE_ON_MAINTENANCE: a marker abnormal again on maintenance; suggests a shorter interval."""

from __future__ import annotations

from collections.abc import Mapping

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
    RELAPSE_MARKERS,
    anaemia_threshold,
    is_relapse,
    recovered_before,
)
from shared.contracts import EvidenceItem, FlagReason, Phase, ShortenMaintenanceInterval

INFO = RuleInfo(
    rule_id="labs.relapse_on_maintenance",
    version=1,
    reason=FlagReason.RELAPSE_ON_MAINTENANCE,
    severity="warning",
    summary="During maintenance, Hb below the anaemia threshold, MCV above the macrocytosis"
    " threshold or MMA above its threshold again after an on-treatment result was normal;"
    " suggests a shorter maintenance interval.",
)


def shorter_interval(current_weeks: int | None, *, config: LabsConfig) -> int | None:
    """The next interval down the configured ladder; None when already at the shortest."""
    settings = config.relapse
    if current_weeks is None:
        return int(settings.unknown_interval_target_weeks.value)
    longest = current_weeks - settings.minimum_reduction_weeks.value
    steps = [weeks for weeks in settings.interval_ladder_weeks if weeks <= longest]
    return max(steps, default=None)


def current_interval_weeks(course: TreatmentCourse, measurement: Measurement) -> int | None:
    """The maintenance interval in force when the sample was taken, in whole weeks."""
    spec = course.context.phase_on(course.context.local_date(measurement.observed_at))
    if spec is None or spec.phase is not Phase.MAINTENANCE or spec.interval_days is None:
        return None
    return max(1, round(spec.interval_days / DAYS_PER_WEEK))


def evaluate(course: TreatmentCourse, config: LabsConfig) -> list[Finding]:
    """One finding per episode of relapse during maintenance."""
    on_maintenance = [
        m for m in course.on_treatment(*RELAPSE_MARKERS) if course.phase_of(m) is Phase.MAINTENANCE
    ]

    def assess(state: Snapshot) -> Finding | None:
        relapsed = [
            m
            for analyte in RELAPSE_MARKERS
            if (m := state.latest.get(analyte)) is not None
            and is_relapse(m, course=course, config=config)
        ]
        if not relapsed:
            return None
        cited = [Cited(m, m.analyte.value) for m in relapsed]
        for m in relapsed:
            earlier = recovered_before(m, course=course, config=config)
            if earlier is not None:
                cited.append(Cited(earlier, f"previously normal {m.analyte.value}"))
        trigger = relapsed[0]
        current = current_interval_weeks(course, trigger)
        target = shorter_interval(current, config=config)
        action = (
            ShortenMaintenanceInterval(to_interval_weeks=target, from_interval_weeks=current)
            if target is not None
            else None
        )
        advice = (
            f"consider shortening the maintenance interval to {target} weeks"
            if target is not None
            else "the interval is already the shortest configured step; review the regimen"
        )
        measures: list[EvidenceItem] = [treatment_day_item(course, m) for m in relapsed]
        if current is not None:
            measures.append(
                EvidenceItem(
                    kind="measure", label="maintenance_interval_weeks", value=current, unit="wk"
                )
            )
        limits = config.thresholds
        return build_finding(
            INFO,
            course=course,
            episode_start=state.at,
            cited=cited,
            thresholds=[
                threshold("anaemia_below", anaemia_threshold(course, config)),
                threshold("macrocytosis_above", limits.mcv_macrocytosis_above),
                threshold("mma_elevated_above", limits.mma_elevated_above),
            ],
            measures=measures,
            recommendation=(
                f"Markers are abnormal again on maintenance: check adherence and {advice}."
            ),
            suggested_action=action,
        )

    return first_of_each_episode(snapshots(on_maintenance), assess)


def _settings(config: LabsConfig) -> Mapping[str, Setting]:
    limits = config.thresholds
    return settings_of(
        anaemia_below=limits.haemoglobin_anaemia_below,
        macrocytosis_above=limits.mcv_macrocytosis_above,
        mma_elevated_above=limits.mma_elevated_above,
        minimum_reduction_weeks=config.relapse.minimum_reduction_weeks,
        unknown_interval_target_weeks=config.relapse.unknown_interval_target_weeks,
    )


def _parameters(config: LabsConfig) -> Mapping[str, str]:
    settings = config.relapse
    return {
        "interval_ladder_weeks": ", ".join(str(w) for w in settings.interval_ladder_weeks),
        "interval_ladder_source": settings.interval_ladder_source,
    }


RULE = Rule(info=INFO, evaluate=evaluate, settings=_settings, parameters=_parameters)
