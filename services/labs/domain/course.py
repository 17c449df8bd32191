"""A patient's effective results on the treatment clock: baselines and on-treatment series."""

from __future__ import annotations

from dataclasses import dataclass

from services.labs.domain.catalogue import Analyte
from services.labs.domain.results import Measurement
from services.labs.domain.timeline import LabTimeline
from services.labs.domain.treatment import TreatmentContext
from shared.contracts import Phase


@dataclass(frozen=True, slots=True)
class TreatmentCourse:
    """Effective measurements (observation order) seen against one plan's clock."""

    context: TreatmentContext
    measurements: tuple[Measurement, ...]

    def day_of(self, measurement: Measurement) -> int:
        """The treatment day the sample was taken on."""
        return self.context.treatment_day(measurement.observed_at)

    def phase_of(self, measurement: Measurement) -> Phase | None:
        """The plan phase in force when the sample was taken."""
        spec = self.context.phase_on(self.context.local_date(measurement.observed_at))
        return spec.phase if spec else None

    def is_after_loading(self, measurement: Measurement) -> bool:
        """Whether the sample was taken after the loading phase."""
        return self.context.is_after_loading(self.context.local_date(measurement.observed_at))

    def baseline(self, analyte: Analyte) -> Measurement | None:
        """The latest result of ``analyte`` taken before treatment."""
        before = [
            m
            for m in self.measurements
            if m.analyte is analyte and self.context.is_baseline(m.observed_at)
        ]
        return before[-1] if before else None

    def on_treatment(self, *analytes: Analyte) -> tuple[Measurement, ...]:
        """Results of ``analytes`` taken once treatment had begun, in observation order."""
        return tuple(
            m
            for m in self.measurements
            if m.analyte in analytes and not self.context.is_baseline(m.observed_at)
        )

    def earlier_on_treatment(self, measurement: Measurement) -> tuple[Measurement, ...]:
        """On-treatment results of the same analyte taken before ``measurement``."""
        return tuple(
            m
            for m in self.on_treatment(measurement.analyte)
            if m.observed_at < measurement.observed_at
        )


def course_of(timeline: LabTimeline, context: TreatmentContext) -> TreatmentCourse:
    """The timeline's effective results against the plan's clock."""
    return TreatmentCourse(context=context, measurements=timeline.measurements())
