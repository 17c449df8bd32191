"""Shared clinical predicates: when a marker counts as anaemic, macrocytic, elevated or relapsed.

Rules that look at the same marker share these so that they agree: a result that counts as a
relapse on maintenance (RELAPSE_ON_MAINTENANCE) is not also reported as "not recovering" or
"persisting" by the rules for the recovery phase.
"""

from __future__ import annotations

from services.labs.domain.catalogue import Analyte
from services.labs.domain.config import LabsConfig, Setting
from services.labs.domain.course import TreatmentCourse
from services.labs.domain.results import Measurement
from shared.contracts import Phase

RELAPSE_MARKERS = (Analyte.HAEMOGLOBIN, Analyte.MCV, Analyte.METHYLMALONIC_ACID)


def anaemia_threshold(course: TreatmentCourse, config: LabsConfig) -> Setting:
    """The haemoglobin anaemia threshold: the plan's own if set, else the configured one."""
    own = course.context.haemoglobin_anaemia_below_g_l
    if own is None:
        return config.thresholds.haemoglobin_anaemia_below
    return Setting(value=own, unit="g/L", source="set for this plan")


def haemoglobin_not_recovering(
    measurement: Measurement, *, course: TreatmentCourse, config: LabsConfig
) -> bool:
    """Below the anaemia threshold, or an anaemic baseline that it has not risen above."""
    if measurement.value < anaemia_threshold(course, config).value:
        return True
    baseline = course.baseline(Analyte.HAEMOGLOBIN)
    if baseline is None:
        return False
    # The single default threshold is the female one; a baseline below the male threshold that
    # has not risen still reveals a non-response the single threshold would miss.
    anaemic_baseline = baseline.value < config.thresholds.haemoglobin_baseline_anaemic_below.value
    rise = measurement.value - baseline.value
    return anaemic_baseline and rise <= config.recovery.haemoglobin_minimum_rise.value


def macrocytic(measurement: Measurement, config: LabsConfig) -> bool:
    """MCV above the macrocytosis threshold."""
    return measurement.value > config.thresholds.mcv_macrocytosis_above.value


def b12_deficient(measurement: Measurement, config: LabsConfig) -> bool:
    """B12 in the deficient band."""
    return measurement.value < config.thresholds.b12_deficient_below.value


def functional_marker_elevated(measurement: Measurement, config: LabsConfig) -> bool:
    """MMA or homocysteine above its elevation threshold."""
    limits = config.thresholds
    if measurement.analyte is Analyte.METHYLMALONIC_ACID:
        return measurement.value > limits.mma_elevated_above.value
    if measurement.analyte is Analyte.HOMOCYSTEINE:
        return measurement.value > limits.homocysteine_elevated_above.value
    return False


def relapse_marker_abnormal(
    measurement: Measurement, *, course: TreatmentCourse, config: LabsConfig
) -> bool:
    """Hb below the anaemia threshold, MCV macrocytic or MMA elevated."""
    if measurement.analyte is Analyte.HAEMOGLOBIN:
        return measurement.value < anaemia_threshold(course, config).value
    if measurement.analyte is Analyte.MCV:
        return macrocytic(measurement, config)
    if measurement.analyte is Analyte.METHYLMALONIC_ACID:
        return functional_marker_elevated(measurement, config)
    return False


def recovered_before(
    measurement: Measurement, *, course: TreatmentCourse, config: LabsConfig
) -> Measurement | None:
    """The latest earlier on-treatment result of the same marker that was normal, if any."""
    normal = [
        m
        for m in course.earlier_on_treatment(measurement)
        if not relapse_marker_abnormal(m, course=course, config=config)
    ]
    return normal[-1] if normal else None


def is_relapse(measurement: Measurement, *, course: TreatmentCourse, config: LabsConfig) -> bool:
    """Abnormal again during maintenance after an on-treatment result had been normal."""
    return (
        measurement.analyte in RELAPSE_MARKERS
        and course.phase_of(measurement) is Phase.MAINTENANCE
        and relapse_marker_abnormal(measurement, course=course, config=config)
        and recovered_before(measurement, course=course, config=config) is not None
    )
