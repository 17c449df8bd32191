"""UCUM parsing and conversion: the published factors, spellings, rejections, round-trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.labs.domain import ANALYTES, Analyte, LabsConfig, NormalisationError
from services.labs.domain.catalogue import Dimension
from services.labs.domain.units import parse_unit

CONFIG = LabsConfig()

ACCEPTED_UNITS: dict[Analyte, tuple[str, ...]] = {
    Analyte.B12: ("pmol/L", "pg/mL", "ng/L", "ng/mL", "nmol/L"),
    Analyte.METHYLMALONIC_ACID: ("umol/L", "nmol/L", "µmol/L", "μmol/L", "mg/L"),
    Analyte.HOMOCYSTEINE: ("umol/L", "µmol/L", "mg/L"),
    Analyte.HAEMOGLOBIN: ("g/L", "g/dL", "g/dl", "mmol/L"),
    Analyte.MCV: ("fL", "fl", "um3"),
    Analyte.RETICULOCYTES_PERCENT: ("%", "%{RBCs}", "/100"),
    Analyte.RETICULOCYTES_ABSOLUTE: ("10*9/L", "10^9/L", "x10E9/L", "/nL", "10*3/uL", "/uL"),
    Analyte.SERUM_FOLATE: ("ug/L", "ng/mL", "nmol/L", "mcg/L"),
    Analyte.RED_CELL_FOLATE: ("ug/L", "ng/mL", "nmol/L"),
    Analyte.TSH: ("m[IU]/L", "mIU/L", "uIU/mL", "µIU/mL", "mU/L"),
    Analyte.FERRITIN: ("ug/L", "ng/mL", "µg/L"),
    Analyte.POTASSIUM: ("mmol/L", "mEq/L", "meq/l", "mg/dL"),
}


def to_canonical(analyte: Analyte, value: float, unit: str) -> float:
    return CONFIG.to_canonical(analyte, value, unit=unit)


def test_every_analyte_has_accepted_units_listed():
    assert set(ACCEPTED_UNITS) == set(Analyte)


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "expected"),
    [
        (Analyte.B12, 1.355, "ng/L", 1.0),
        (Analyte.B12, 200, "pg/mL", 147.601476015),
        (Analyte.B12, 200, "ng/L", 147.601476015),
        (Analyte.B12, 148, "pmol/L", 148),
        (Analyte.METHYLMALONIC_ACID, 400, "nmol/L", 0.4),
        (Analyte.METHYLMALONIC_ACID, 0.4, "µmol/L", 0.4),
        (Analyte.HAEMOGLOBIN, 12.0, "g/dL", 120.0),
        (Analyte.HAEMOGLOBIN, 7.447, "mmol/L", 120.0),
        (Analyte.SERUM_FOLATE, 2.266, "nmol/L", 1.0),
        (Analyte.FERRITIN, 30, "ng/mL", 30),
        (Analyte.POTASSIUM, 3.4, "mEq/L", 3.4),
        (Analyte.RETICULOCYTES_ABSOLUTE, 50_000, "/uL", 50),
        (Analyte.RETICULOCYTES_ABSOLUTE, 0.05, "10*6/uL", 50),
        (Analyte.TSH, 2.5, "uIU/mL", 2.5),
        (Analyte.MCV, 101, "um3", 101),
    ],
)
def test_published_factors(analyte, value, unit, expected):
    assert to_canonical(analyte, value, unit) == pytest.approx(expected, rel=1e-3)


def test_decimal_prefixes_land_exactly_on_thresholds():
    # 400 nmol/L must not become 0.40000000000000002 and cross a "> 0.40 umol/L" threshold.
    assert to_canonical(Analyte.METHYLMALONIC_ACID, 400, "nmol/L") == 0.4
    assert to_canonical(Analyte.HAEMOGLOBIN, 12, "g/dL") == 120.0


@pytest.mark.parametrize(
    ("unit", "dimension", "exponent"),
    [
        ("µmol/L", Dimension.SUBSTANCE_CONCENTRATION, -6),
        ("umol/l", Dimension.SUBSTANCE_CONCENTRATION, -6),
        ("pg/mL", Dimension.MASS_CONCENTRATION, -9),
        ("g/dL", Dimension.MASS_CONCENTRATION, 1),
        ("m[IU]/L", Dimension.ARBITRARY_CONCENTRATION, -3),
        ("10^9/L", Dimension.NUMBER_CONCENTRATION, 9),
        ("%", Dimension.FRACTION, -2),
        ("fL", Dimension.ENTITIC_VOLUME, -15),
        ("mEq/L", Dimension.EQUIVALENT_CONCENTRATION, -3),
    ],
)
def test_parse_unit(unit, dimension, exponent):
    parsed = parse_unit(unit)
    assert (parsed.dimension, parsed.exponent) == (dimension, exponent)


@pytest.mark.parametrize("unit", ["", "pints", "mg", "mmol/kg", "g/dL/h", "IU"])
def test_unknown_units_are_rejected(unit):
    with pytest.raises(NormalisationError) as error:
        parse_unit(unit)
    assert error.value.kind == "unknown_unit"


@pytest.mark.parametrize(
    ("analyte", "unit"),
    [
        (Analyte.B12, "IU/L"),
        (Analyte.B12, "%"),
        (Analyte.MCV, "mmol/L"),
        (Analyte.FERRITIN, "nmol/L"),
        (Analyte.RETICULOCYTES_PERCENT, "10*9/L"),
        (Analyte.TSH, "ng/mL"),
        (Analyte.HAEMOGLOBIN, "mEq/L"),
    ],
)
def test_wrong_dimension_is_unconvertible(analyte, unit):
    with pytest.raises(NormalisationError) as error:
        to_canonical(analyte, 1.0, unit)
    assert error.value.kind == "unconvertible_unit"
    assert unit in error.value.reason


def test_mass_unit_without_molar_mass_is_unconvertible():
    config = LabsConfig(chemistry={"molar_mass_g_per_mol": {}, "valence": {}})
    with pytest.raises(NormalisationError, match="molar mass"):
        config.to_canonical(Analyte.B12, 200, unit="ng/L")


UNIT_PAIRS = [(analyte, unit) for analyte, units in ACCEPTED_UNITS.items() for unit in units]
values = st.floats(min_value=1e-6, max_value=1e7, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(("analyte", "unit"), UNIT_PAIRS)
@given(value=values)
def test_round_trip_through_canonical(analyte, unit, value):
    canonical = to_canonical(analyte, value, unit)
    back = CONFIG.from_canonical(analyte, canonical, unit=unit)
    assert math.isclose(back, value, rel_tol=1e-9)


@pytest.mark.parametrize(("analyte", "unit"), UNIT_PAIRS)
@given(a=values, b=values)
def test_conversion_is_monotonic(analyte, unit, a, b):
    low, high = sorted((a, b))
    assert to_canonical(analyte, low, unit) <= to_canonical(analyte, high, unit)


@given(value=values)
def test_b12_mass_and_molar_agree(value):
    # pmol/L x 1.355 = ng/L [BasPath]
    assert math.isclose(to_canonical(Analyte.B12, value * 1.355, "ng/L"), value, rel_tol=1e-9)


def test_canonical_units_parse_to_accepted_dimensions():
    for analyte, spec in ANALYTES.items():
        assert to_canonical(analyte, 1.0, spec.canonical_unit) == 1.0
