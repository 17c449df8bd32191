"""UCUM unit parsing and conversion for the units laboratories send for the catalogued analytes.

Every prefix is a power of ten, so a unit parses to a dimension plus a decimal exponent relative
to the dimension's base (g/L, mol/L, eq/L, [IU]/L, /L, L, 1). Mass and molar forms are bridged
by a molar mass, equivalents and moles by a valence; both come from configuration. Results are
rounded to 12 significant digits so that, e.g., 400 nmol/L is exactly 0.4 umol/L and not a hair
above a 0.40 threshold because of binary floating point.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from services.labs.domain.catalogue import ANALYTES, Analyte, Dimension

SIGNIFICANT_DIGITS = 12

_PREFIX_EXPONENTS = {"": 0, "k": 3, "d": -1, "c": -2, "m": -3, "u": -6, "n": -9, "p": -12, "f": -15}
# Longest first, so "mol" is not read as "m" + "ol" and "iu" wins over "u".
_BASES = (
    ("mol", Dimension.SUBSTANCE_CONCENTRATION),
    ("eq", Dimension.EQUIVALENT_CONCENTRATION),
    ("iu", Dimension.ARBITRARY_CONCENTRATION),
    ("g", Dimension.MASS_CONCENTRATION),
    # TSH is reported as mU/L as often as mIU/L; for it the two are the same unit.
    ("u", Dimension.ARBITRARY_CONCENTRATION),
)
_COUNT = re.compile(r"^(?:10\*(\d+))?$")
_ENTITIC_VOLUME = {"fl": -15, "um3": -15, "pl": -12}


class NormalisationError(ValueError):
    """A known code's result that cannot be normalised; ``kind`` names the failure for the DLQ."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ParsedUnit:
    """A unit as a dimension and the power of ten that scales it to the dimension's base."""

    dimension: Dimension
    exponent: int


def clean_unit_spelling(unit: str) -> str:
    """Fold the common non-UCUM spellings (µ, mcg, [IU], 10^9, x10E9, case) into one form."""
    text = unit.strip().replace(" ", "")
    for micro in ("\u00b5", "\u03bc", "mc"):
        text = text.replace(micro, "u")
    # UCUM curly-brace annotations ({RBCs}) are unity and carry no dimension.
    text = re.sub(r"\{[^}]*\}", "", text)
    text = text.replace("[", "").replace("]", "").lower()
    text = text.replace("\u00d7", "x").replace("^", "*")
    text = re.sub(r"x?10[*e](\d+)", r"10*\1", text)
    return text


def parse_unit(unit: str) -> ParsedUnit:
    """Parse a UCUM-like unit string, or raise NormalisationError."""
    text = clean_unit_spelling(unit)
    if text in ("%", "/100"):
        return ParsedUnit(Dimension.FRACTION, -2)
    if text in _ENTITIC_VOLUME:
        return ParsedUnit(Dimension.ENTITIC_VOLUME, _ENTITIC_VOLUME[text])
    numerator, slash, denominator = text.partition("/")
    if not slash:
        raise NormalisationError("unknown_unit", f"unit {unit!r} is not a supported UCUM unit")
    volume_exponent = _litre_exponent(denominator, unit)
    count = _COUNT.match(numerator)
    if count is not None:
        exponent = int(count.group(1) or 0)
        return ParsedUnit(Dimension.NUMBER_CONCENTRATION, exponent - volume_exponent)
    for base, dimension in _BASES:
        prefix = numerator.removesuffix(base)
        if prefix != numerator and prefix in _PREFIX_EXPONENTS:
            return ParsedUnit(dimension, _PREFIX_EXPONENTS[prefix] - volume_exponent)
    raise NormalisationError("unknown_unit", f"unit {unit!r} is not a supported UCUM unit")


def _litre_exponent(denominator: str, unit: str) -> int:
    prefix = denominator.removesuffix("l")
    if prefix == denominator or prefix not in _PREFIX_EXPONENTS:
        raise NormalisationError("unknown_unit", f"unit {unit!r} is not per litre (e.g. /L, /dL)")
    return _PREFIX_EXPONENTS[prefix]


def round_significant(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``value`` rounded to ``digits`` significant digits (0 stays 0)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def convert(
    value: float,
    *,
    analyte: Analyte,
    from_unit: str,
    to_unit: str,
    molar_mass_g_per_mol: float | None = None,
    valence: float | None = None,
) -> float:
    """Convert ``value`` of ``analyte`` between two units, or raise NormalisationError."""
    source = _accepted(analyte, from_unit)
    target = _accepted(analyte, to_unit)
    # Into mol/L (or stay in the source dimension when both sides share it).
    factor = 1.0
    if source.dimension != target.dimension:
        factor = _to_substance(
            source.dimension,
            analyte=analyte,
            unit=from_unit,
            molar_mass_g_per_mol=molar_mass_g_per_mol,
            valence=valence,
        )
        factor /= _to_substance(
            target.dimension,
            analyte=analyte,
            unit=to_unit,
            molar_mass_g_per_mol=molar_mass_g_per_mol,
            valence=valence,
        )
    scaled = value * factor * 10.0 ** (source.exponent - target.exponent)
    return round_significant(scaled)


def _accepted(analyte: Analyte, unit: str) -> ParsedUnit:
    spec = ANALYTES[analyte]
    parsed = parse_unit(unit)
    if parsed.dimension not in spec.dimensions:
        raise NormalisationError(
            "unconvertible_unit",
            f"unit {unit!r} ({parsed.dimension.value}) cannot express {spec.display}"
            f" (canonical unit {spec.canonical_unit})",
        )
    return parsed


def _to_substance(
    dimension: Dimension,
    *,
    analyte: Analyte,
    unit: str,
    molar_mass_g_per_mol: float | None,
    valence: float | None,
) -> float:
    """The factor from the dimension's base unit to mol/L."""
    if dimension is Dimension.SUBSTANCE_CONCENTRATION:
        return 1.0
    if dimension is Dimension.MASS_CONCENTRATION and molar_mass_g_per_mol:
        return 1.0 / molar_mass_g_per_mol
    if dimension is Dimension.EQUIVALENT_CONCENTRATION and valence:
        return 1.0 / valence
    raise NormalisationError(
        "unconvertible_unit",
        f"unit {unit!r} needs a configured molar mass or valence for {ANALYTES[analyte].display}",
    )
