"""What each LOINC code measures: the analyte, its canonical unit and the dimensions it accepts.

Codes marked ``confirmed=False`` are listed as unconfirmed in clinical-reference.md (section 2,
"LOINC codes: NLM LHC data; 14685-2, 14196-0 and holoTC unconfirmed"): they are mapped so such
results are not lost, and the API shows the flag so staff can verify the mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Analyte(StrEnum):
    """A measured quantity, independent of the code and unit a laboratory reports it with."""

    B12 = "b12"
    METHYLMALONIC_ACID = "methylmalonic_acid"
    HOMOCYSTEINE = "homocysteine"
    HAEMOGLOBIN = "haemoglobin"
    MCV = "mcv"
    RETICULOCYTES_PERCENT = "reticulocytes_percent"
    RETICULOCYTES_ABSOLUTE = "reticulocytes_absolute"
    SERUM_FOLATE = "serum_folate"
    RED_CELL_FOLATE = "red_cell_folate"
    TSH = "tsh"
    FERRITIN = "ferritin"
    POTASSIUM = "potassium"


class Dimension(StrEnum):
    """The kind of quantity a unit expresses; conversions stay within or bridge between these."""

    MASS_CONCENTRATION = "mass/volume"
    SUBSTANCE_CONCENTRATION = "substance/volume"
    EQUIVALENT_CONCENTRATION = "equivalents/volume"
    ARBITRARY_CONCENTRATION = "arbitrary units/volume"
    NUMBER_CONCENTRATION = "number/volume"
    ENTITIC_VOLUME = "volume"
    FRACTION = "fraction"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalyteSpec:
    """How one analyte is normalised: its canonical UCUM unit and the dimensions accepted."""

    analyte: Analyte
    display: str
    canonical_unit: str
    dimensions: frozenset[Dimension]


@dataclass(frozen=True, slots=True, kw_only=True)
class LoincEntry:
    """One LOINC code the labs service understands."""

    code: str
    analyte: Analyte
    display: str
    confirmed: bool = True


_MASS = Dimension.MASS_CONCENTRATION
_MOLAR = Dimension.SUBSTANCE_CONCENTRATION

# Mass and molar forms are both accepted for analytes with a configured molar mass: the unit a
# laboratory reports decides the conversion, not whether the code is the mass or molar variant.
ANALYTES: Mapping[Analyte, AnalyteSpec] = {
    spec.analyte: spec
    for spec in (
        AnalyteSpec(
            analyte=Analyte.B12,
            display="Vitamin B12 (total)",
            canonical_unit="pmol/L",
            dimensions=frozenset({_MASS, _MOLAR}),
        ),
        AnalyteSpec(
            analyte=Analyte.METHYLMALONIC_ACID,
            display="Methylmalonic acid",
            canonical_unit="umol/L",
            dimensions=frozenset({_MASS, _MOLAR}),
        ),
        AnalyteSpec(
            analyte=Analyte.HOMOCYSTEINE,
            display="Homocysteine",
            canonical_unit="umol/L",
            dimensions=frozenset({_MASS, _MOLAR}),
        ),
        AnalyteSpec(
            analyte=Analyte.HAEMOGLOBIN,
            display="Haemoglobin",
            canonical_unit="g/L",
            dimensions=frozenset({_MASS, _MOLAR}),
        ),
        AnalyteSpec(
            analyte=Analyte.MCV,
            display="Mean corpuscular volume",
            canonical_unit="fL",
            dimensions=frozenset({Dimension.ENTITIC_VOLUME}),
        ),
        AnalyteSpec(
            analyte=Analyte.RETICULOCYTES_PERCENT,
            display="Reticulocytes (% of red cells)",
            canonical_unit="%",
            dimensions=frozenset({Dimension.FRACTION}),
        ),
        AnalyteSpec(
            analyte=Analyte.RETICULOCYTES_ABSOLUTE,
            display="Reticulocytes (absolute count)",
            canonical_unit="10*9/L",
            dimensions=frozenset({Dimension.NUMBER_CONCENTRATION}),
        ),
        AnalyteSpec(
            analyte=Analyte.SERUM_FOLATE,
            display="Folate (serum)",
            canonical_unit="ug/L",
            dimensions=frozenset({_MASS, _MOLAR}),
        ),
        AnalyteSpec(
            analyte=Analyte.RED_CELL_FOLATE,
            display="Folate (red cell)",
            canonical_unit="ug/L",
            dimensions=frozenset({_MASS, _MOLAR}),
        ),
        AnalyteSpec(
            analyte=Analyte.TSH,
            display="Thyrotropin (TSH)",
            canonical_unit="m[IU]/L",
            dimensions=frozenset({Dimension.ARBITRARY_CONCENTRATION}),
        ),
        AnalyteSpec(
            analyte=Analyte.FERRITIN,
            display="Ferritin",
            canonical_unit="ug/L",
            dimensions=frozenset({_MASS}),
        ),
        AnalyteSpec(
            analyte=Analyte.POTASSIUM,
            display="Potassium",
            canonical_unit="mmol/L",
            dimensions=frozenset({_MOLAR, Dimension.EQUIVALENT_CONCENTRATION, _MASS}),
        ),
    )
}

LOINC: Mapping[str, LoincEntry] = {
    entry.code: entry
    for entry in (
        LoincEntry(code="2132-9", analyte=Analyte.B12, display="Cobalamin [Mass/volume] S/P"),
        LoincEntry(
            code="14685-2",
            analyte=Analyte.B12,
            display="Cobalamin [Moles/volume] S/P",
            confirmed=False,
        ),
        LoincEntry(
            code="13964-2",
            analyte=Analyte.METHYLMALONIC_ACID,
            display="Methylmalonate [Moles/volume] S/P",
        ),
        LoincEntry(
            code="13965-9",
            analyte=Analyte.HOMOCYSTEINE,
            display="Homocysteine [Moles/volume] S/P",
        ),
        LoincEntry(
            code="718-7", analyte=Analyte.HAEMOGLOBIN, display="Hemoglobin [Mass/volume] Bld"
        ),
        LoincEntry(code="787-2", analyte=Analyte.MCV, display="MCV [Entitic volume] RBC auto"),
        LoincEntry(code="30428-7", analyte=Analyte.MCV, display="MCV [Entitic volume] RBC"),
        LoincEntry(
            code="4679-7",
            analyte=Analyte.RETICULOCYTES_PERCENT,
            display="Reticulocytes/100 RBC Bld",
        ),
        LoincEntry(
            code="17849-1",
            analyte=Analyte.RETICULOCYTES_PERCENT,
            display="Reticulocytes/100 RBC Bld auto",
        ),
        LoincEntry(
            code="14196-0",
            analyte=Analyte.RETICULOCYTES_ABSOLUTE,
            display="Reticulocytes [#/volume] Bld",
            confirmed=False,
        ),
        LoincEntry(code="2284-8", analyte=Analyte.SERUM_FOLATE, display="Folate [Mass/volume] S/P"),
        LoincEntry(
            code="2283-0", analyte=Analyte.RED_CELL_FOLATE, display="Folate [Mass/volume] RBC"
        ),
        LoincEntry(code="3016-3", analyte=Analyte.TSH, display="Thyrotropin [Units/volume] S/P"),
        LoincEntry(code="2276-4", analyte=Analyte.FERRITIN, display="Ferritin [Mass/volume] S/P"),
        LoincEntry(
            code="2823-3", analyte=Analyte.POTASSIUM, display="Potassium [Moles/volume] S/P"
        ),
    )
}


def find_loinc(code: str, local_codes: Mapping[str, Analyte] | None = None) -> LoincEntry | None:
    """The catalogue entry of ``code`` (or of a locally configured mapping); None when unknown."""
    entry = LOINC.get(code)
    if entry is not None:
        return entry
    if local_codes and code in local_codes:
        analyte = local_codes[code]
        return LoincEntry(
            code=code, analyte=analyte, display=ANALYTES[analyte].display, confirmed=False
        )
    return None


def codes_of(analyte: Analyte) -> tuple[str, ...]:
    """The catalogued LOINC codes that report ``analyte``."""
    return tuple(code for code, entry in LOINC.items() if entry.analyte is analyte)
