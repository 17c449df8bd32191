"""From LabResulted to LabReport: codes, canonical values, originals, ranges, interpretation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.labs.domain import (
    Analyte,
    Interpretation,
    LabsConfig,
    NormalisationError,
    RangeOrigin,
    normalise_result,
)
from services.labs.domain.catalogue import LOINC

from .builders import B12, B12_MOLAR, FERRITIN, FOLATE, HB, MMA, RETIC, RETIC_ABS, TSH, lab

CONFIG = LabsConfig()


def test_known_code_is_normalised_and_keeps_the_original():
    report = normalise_result(lab(B12, 200, "pg/mL", day=-3), config=CONFIG)
    assert report.analyte is Analyte.B12
    assert report.unit == "pmol/L"
    assert report.value == pytest.approx(147.6, abs=0.01)
    assert (report.original_value, report.original_unit) == (200, "pg/mL")
    assert report.code_confirmed


def test_unconfirmed_codes_are_mapped_but_marked():
    assert not normalise_result(lab(B12_MOLAR, 150, "pmol/L", day=-3), config=CONFIG).code_confirmed
    assert not LOINC[RETIC_ABS].confirmed


def test_unknown_code_is_kept_unrecognised():
    report = normalise_result(lab("99999-9", 5, "whatever", day=1), config=CONFIG)
    assert not report.recognised
    assert report.value is None
    assert report.original_unit == "whatever"


def test_local_code_mapping_recognises_a_code():
    config = LabsConfig(local_codes={"99999-9": Analyte.TSH})
    report = normalise_result(lab("99999-9", 2, "mIU/L", day=1), config=config)
    assert report.analyte is Analyte.TSH
    assert not report.code_confirmed


def test_known_code_with_unconvertible_unit_raises_with_reason():
    with pytest.raises(NormalisationError) as error:
        normalise_result(lab(B12, 200, "IU/L", day=1), config=CONFIG)
    assert error.value.kind == "unconvertible_unit"
    assert "2132-9" in error.value.reason
    assert "IU/L" in error.value.reason


def test_cancellation_with_unconvertible_unit_is_not_rejected():
    report = normalise_result(lab(B12, 200, "IU/L", day=1, status="cancelled"), config=CONFIG)
    assert report.status == "cancelled"
    assert report.value is None


def test_own_range_wins_and_is_converted_with_the_value():
    event = lab(B12, 300, "ng/L", day=1, low=200, high=900, lab_id="lab-x")
    config = LabsConfig(
        laboratory_ranges={"lab-x": {Analyte.B12: {"low": 100, "unit": "pmol/L", "source": "x"}}}
    )
    reference = normalise_result(event, config=config).reference
    assert reference is not None
    assert reference.origin is RangeOrigin.RESULT
    assert reference.low == pytest.approx(200 / 1.355)
    assert reference.high == pytest.approx(900 / 1.355)
    assert reference.unit == "pmol/L"


def test_laboratory_range_wins_over_default_and_is_converted():
    config = LabsConfig(
        laboratory_ranges={
            "lab-x": {Analyte.SERUM_FOLATE: {"low": 7, "unit": "nmol/L", "source": "lab x"}}
        }
    )
    report = normalise_result(lab(FOLATE, 2.0, "ng/mL", day=1, lab_id="lab-x"), config=config)
    assert report.reference is not None
    assert report.reference.origin is RangeOrigin.LABORATORY
    assert report.reference.low == pytest.approx(7 / 2.266, rel=1e-3)
    assert report.interpretation is Interpretation.LOW


def test_default_range_applies_without_own_or_laboratory_range():
    report = normalise_result(lab(MMA, 500, "nmol/L", day=1, lab_id="unknown-lab"), config=CONFIG)
    assert report.reference is not None
    assert report.reference.origin is RangeOrigin.DEFAULT
    assert (report.reference.low, report.reference.high) == (0.07, 0.27)
    assert report.interpretation is Interpretation.HIGH


@pytest.mark.parametrize("code", [FOLATE, FERRITIN, TSH, RETIC])
def test_no_default_range_where_the_reference_gives_none(code):
    unit = {FOLATE: "ug/L", FERRITIN: "ug/L", TSH: "mIU/L", RETIC: "%"}[code]
    report = normalise_result(lab(code, 1.0, unit, day=1), config=CONFIG)
    assert report.reference is None
    assert report.interpretation is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (119.9, Interpretation.LOW),
        (120, Interpretation.NORMAL),
        (170, Interpretation.NORMAL),
        (170.1, Interpretation.HIGH),
    ],
)
def test_interpretation_boundaries_are_normal(value, expected):
    report = normalise_result(lab(HB, value, "g/L", day=1, low=120, high=170), config=CONFIG)
    assert report.interpretation is expected


def test_partial_own_range_is_used_whole():
    report = normalise_result(lab(HB, 125, "g/L", day=1, high=160), config=CONFIG)
    assert report.reference is not None
    assert report.reference.origin is RangeOrigin.RESULT
    assert report.reference.low is None


def test_configuration_rejects_a_range_in_an_unconvertible_unit():
    with pytest.raises(ValidationError):
        LabsConfig(
            laboratory_ranges={"lab-x": {Analyte.MCV: {"low": 80, "unit": "g/L", "source": "x"}}}
        )


def test_configuration_rejects_a_threshold_in_a_non_canonical_unit():
    with pytest.raises(ValidationError):
        LabsConfig(
            thresholds={"b12_deficient_below": {"value": 200, "unit": "ng/L", "source": "x"}}
        )
