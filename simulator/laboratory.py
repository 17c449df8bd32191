"""What the laboratories report: trajectories per response, in each laboratory's units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from simulator.cohort import PatientProfile
from simulator.plans import Calendar

# LOINC codes of the analytes sampled.
HB, MCV, B12, RETIC, MMA, FOLATE, FERRITIN, K = (
    "718-7",
    "787-2",
    "2132-9",
    "4679-7",
    "13964-2",
    "2284-8",
    "2276-4",
    "2823-3",
)

# Canonical values (g/L, fL, pmol/L, %, umol/L, ug/L, ug/L, mmol/L) of a good responder, by
# treatment day (0 = the first dose given). Each response below changes a few of them, with a
# clear margin from every rule's threshold, so the expected flags are certain by construction.
RESPONDER: dict[int, dict[str, float]] = {
    -2: {HB: 98, MCV: 112, B12: 95, RETIC: 1.0, MMA: 0.9},
    1: {K: 4.2},
    8: {RETIC: 4.5},
    56: {HB: 132, MCV: 93},
    70: {B12: 420, MMA: 0.2, FOLATE: 9.0, FERRITIN: 85},
    120: {HB: 136, MCV: 90},
}
CHANGES: dict[str, dict[int, dict[str, float]]] = {
    "responder": {},
    "non_responder": {8: {RETIC: 0.9}, 56: {HB: 101, MCV: 109}, 120: {HB: 103, MCV: 108}},
    "folate_codeficiency": {
        8: {RETIC: 0.9},
        56: {HB: 101, MCV: 109},
        70: {FOLATE: 2.1},
        120: {HB: 103, MCV: 108},
    },
    "iron_codeficiency": {70: {FERRITIN: 12}},
    "relapse": {120: {HB: 112, MCV: 104}},
    "not_repleted": {70: {B12: 118}},
    "functional": {70: {MMA: 0.65}},
    "hypokalaemia": {1: {K: 3.1}},
}
# Reference ranges sent with folate and ferritin (no platform default exists for them).
RANGES = {FOLATE: (3.9, 26.8), FERRITIN: (30.0, 400.0)}


@dataclass(frozen=True)
class UnitStyle:
    """How a laboratory writes each analyte: unit and factor from the canonical unit."""

    units: dict[str, tuple[str, float]]

    def express(self, code: str, value: float) -> tuple[float, str]:
        unit, factor = self.units[code]
        return round(value * factor, 4), unit


CANONICAL = {
    HB: ("g/L", 1.0),
    MCV: ("fL", 1.0),
    B12: ("pmol/L", 1.0),
    RETIC: ("%", 1.0),
    MMA: ("umol/L", 1.0),
    FOLATE: ("ug/L", 1.0),
    FERRITIN: ("ug/L", 1.0),
    K: ("mmol/L", 1.0),
}
LAB_STYLES = {
    "north-lab": UnitStyle(CANONICAL),
    # pg/mL = ng/L = pmol/L x 1.355; g/dL = g/L / 10; nmol/L = umol/L x 1000; ng/mL = ug/L.
    "south-lab": UnitStyle(
        {
            **CANONICAL,
            HB: ("g/dL", 0.1),
            B12: ("pg/mL", 1.355),
            MMA: ("nmol/L", 1000.0),
            FOLATE: ("ng/mL", 1.0),
            FERRITIN: ("ng/mL", 1.0),
            K: ("meq/L", 1.0),
        }
    ),
}


@dataclass(frozen=True)
class Sample:
    """One result as a laboratory reports it."""

    result_id: str
    code: str
    treatment_day: int
    taken_on: date
    observed_at: datetime
    canonical_value: float
    value: float
    unit: str
    reference_low: float | None
    reference_high: float | None


def samples(
    profile: PatientProfile, *, first_dose_on: date, calendar: Calendar, last_day: date
) -> list[Sample]:
    """The patient's results up to ``last_day``, timed from the first dose given."""
    style = LAB_STYLES[profile.lab_id]
    changes = CHANGES[profile.response]
    found = []
    for day, values in RESPONDER.items():
        if day < 0 and profile.taken_over:
            # No pre-treatment sample exists for a program taken over mid-way.
            continue
        taken_on = first_dose_on + timedelta(days=day)
        if taken_on > last_day:
            continue
        for code, canonical in {**values, **changes.get(day, {})}.items():
            value, unit = style.express(code, canonical)
            low_high = RANGES.get(code)
            low = style.express(code, low_high[0])[0] if low_high else None
            high = style.express(code, low_high[1])[0] if low_high else None
            found.append(
                Sample(
                    result_id=f"{profile.patient_id}-{code}-d{day}",
                    code=code,
                    treatment_day=day,
                    taken_on=taken_on,
                    observed_at=calendar.at(taken_on, 8, 30),
                    canonical_value=canonical,
                    value=value,
                    unit=unit,
                    reference_low=low,
                    reference_high=high,
                )
            )
    # K of the hypokalaemia check is only drawn for severe anaemia or that response.
    return [
        s
        for s in found
        if s.code != K or profile.response == "hypokalaemia" or profile.severity == "severe"
    ]
