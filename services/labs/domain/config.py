"""Labs configuration: every clinical number the service applies, each with its source.

Defaults come from clinical-reference.md (sections 2-4); source keys in brackets refer to its
source list. Values marked "engineering default" have no clinical source and are for a clinic
to set. Thresholds are stated in the analyte's canonical unit (see catalogue.py); reference
ranges may be stated in any unit the analyte accepts and are converted like results.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.labs.domain.catalogue import ANALYTES, Analyte
from services.labs.domain.units import convert

DAYS = "d"


class _Config(BaseModel):
    """Immutable and strict: a misspelt setting fails loudly instead of silently defaulting."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Setting(_Config):
    """A configured number, its unit and where it comes from."""

    value: float
    unit: str | None = None
    source: str


class RangeSetting(_Config):
    """A reference range in any unit the analyte accepts, with its source."""

    low: float | None = None
    high: float | None = None
    unit: str
    source: str

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("low is above high")
        return self


def _days(value: int, source: str) -> Setting:
    return Setting(value=value, unit=DAYS, source=source)


class ChemistryConfig(_Config):
    """Constants that bridge mass, molar and equivalent units."""

    molar_mass_g_per_mol: dict[Analyte, Setting] = {
        Analyte.B12: Setting(
            value=1355, unit="g/mol", source="[BasPath] pmol/L x 1.355 = ng/L (cobalamin)"
        ),
        Analyte.SERUM_FOLATE: Setting(
            value=441.3, unit="g/mol", source="folic acid; ng/mL x 2.266 = nmol/L"
        ),
        Analyte.RED_CELL_FOLATE: Setting(
            value=441.3, unit="g/mol", source="folic acid; ng/mL x 2.266 = nmol/L"
        ),
        Analyte.METHYLMALONIC_ACID: Setting(value=118.09, unit="g/mol", source="C4H6O4"),
        Analyte.HOMOCYSTEINE: Setting(value=135.18, unit="g/mol", source="C4H9NO2S"),
        Analyte.HAEMOGLOBIN: Setting(
            value=16114.5, unit="g/mol", source="Hb monomer convention: g/dL x 0.6206 = mmol/L"
        ),
        Analyte.POTASSIUM: Setting(value=39.098, unit="g/mol", source="K, standard atomic weight"),
    }
    valence: dict[Analyte, Setting] = {
        Analyte.POTASSIUM: Setting(value=1, unit="eq/mol", source="K+ is monovalent: mEq = mmol"),
    }

    def molar_mass(self, analyte: Analyte) -> float | None:
        """The molar mass of ``analyte`` in g/mol, when configured."""
        setting = self.molar_mass_g_per_mol.get(analyte)
        return setting.value if setting else None

    def valence_of(self, analyte: Analyte) -> float | None:
        """The charge of ``analyte``'s ion, when configured."""
        setting = self.valence.get(analyte)
        return setting.value if setting else None


def _default_ranges() -> dict[Analyte, RangeSetting]:
    # Only the analytes clinical-reference.md gives numbers for: folate, red-cell folate, TSH,
    # ferritin and reticulocytes are "lab reference range" there, so they have no default and
    # are interpreted (and flagged) only with the result's own or the laboratory's range.
    return {
        Analyte.B12: RangeSetting(
            low=148, unit="pmol/L", source="[NASGP-BSH][CKS] deficient < 148 pmol/L (200 ng/L)"
        ),
        Analyte.METHYLMALONIC_ACID: RangeSetting(
            low=0.07, high=0.27, unit="umol/L", source="[UHN][Mayo] ref 0.07-0.27 umol/L"
        ),
        Analyte.HOMOCYSTEINE: RangeSetting(
            low=5.1, high=13.9, unit="umol/L", source="[Mayo][Stabler] ref 5.1-13.9 umol/L"
        ),
        Analyte.HAEMOGLOBIN: RangeSetting(
            low=120,
            unit="g/L",
            source="[WHO] < 120 g/L non-pregnant women (lower cut-off: events carry no sex)",
        ),
        Analyte.MCV: RangeSetting(low=83, high=101, unit="fL", source="[HighMac] ~83-101 fL"),
        Analyte.POTASSIUM: RangeSetting(low=3.5, unit="mmol/L", source="[FDA-CN] < 3.5 mmol/L"),
    }


class DecisionThresholds(_Config):
    """Clinical decision limits shared by several rules, in canonical units."""

    b12_deficient_below: Setting = Setting(
        value=148, unit="pmol/L", source="[NASGP-BSH][CKS] deficient < 148 pmol/L (200 ng/L)"
    )
    mma_elevated_above: Setting = Setting(
        value=0.40, unit="umol/L", source="[UHN][Mayo][Stabler] elevated > 0.40 umol/L"
    )
    homocysteine_elevated_above: Setting = Setting(
        value=14, unit="umol/L", source="[Mayo][Stabler] elevated > 14 umol/L"
    )
    haemoglobin_anaemia_below: Setting = Setting(
        value=120,
        unit="g/L",
        source="[WHO] < 120 g/L women, < 130 g/L men; events carry no sex, so the lower cut-off"
        " (fewer false alarms); a plan may set its own",
    )
    haemoglobin_baseline_anaemic_below: Setting = Setting(
        value=130,
        unit="g/L",
        source="[WHO] < 130 g/L men: a baseline below it makes 'not risen from baseline' apply",
    )
    mcv_macrocytosis_above: Setting = Setting(
        value=100, unit="fL", source="[HighMac] macrocytosis > 100 fL"
    )
    potassium_low_below: Setting = Setting(
        value=3.5, unit="mmol/L", source="[FDA-CN] < 3.5 mmol/L low"
    )


class ReticulocyteResponseConfig(_Config):
    """NO_RETICULOCYTE_RESPONSE: the treatment days on which a reticulocyte rise is expected."""

    from_day: Setting = _days(5, "[IOM] rise within 48 h, peak days 5-8; catalogue: days 5-14")
    to_day: Setting = _days(14, "[Lothian] check at 7-10 days; catalogue: days 5-14")


class RecoveryConfig(_Config):
    """HAEMOGLOBIN_NOT_RECOVERING and MACROCYTOSIS_PERSISTING: when recovery is expected."""

    from_day: Setting = _days(
        56, "[ClinPharm] indices normalise within about 2 months; [Lothian] FBC at 8 weeks"
    )
    haemoglobin_minimum_rise: Setting = Setting(
        value=0, unit="g/L", source="catalogue: 'not risen from baseline' (any rise counts)"
    )


class CoexistingCausesConfig(_Config):
    """CHECK_COEXISTING_CAUSES: which tests to suggest and how soon."""

    suggested_codes: tuple[str, ...] = ("2284-8", "2276-4", "3016-3")
    suggested_codes_source: str = "[FDA-CN][ClinPharm][HighMac]; seed: folate, thyroid, iron"
    within_days: Setting = _days(7, "engineering default")


class IronConfig(_Config):
    """IRON_DEFICIENCY_UNMASKED: the treatment days counted as the haematological response."""

    from_day: Setting = _days(0, "catalogue: during haematological response")
    until_day: Setting | None = Field(
        default=None, description="None: any later day (engineering default: no upper bound)"
    )


class HypokalaemiaConfig(_Config):
    """HYPOKALAEMIA: the first days of treating anaemia."""

    within_days: Setting = _days(7, "catalogue: first 7 days; [FDA-CN] watch the first 48 h")


class RelapseConfig(_Config):
    """RELAPSE_ON_MAINTENANCE: how much shorter an interval to suggest."""

    interval_ladder_weeks: tuple[int, ...] = (12, 8, 4)
    interval_ladder_source: str = (
        "[BNF-f] every 3 months; neurological every 2 months; [FDA-CN] monthly; cap 12 weeks"
        " [ICB-COVID]"
    )
    minimum_reduction_weeks: Setting = Setting(
        value=2, unit="wk", source="engineering default: a step must shorten by at least this"
    )
    unknown_interval_target_weeks: Setting = Setting(
        value=8, unit="wk", source="engineering default when the current interval is unknown"
    )

    @model_validator(mode="after")
    def _ladder_within_cap(self) -> Self:
        if not self.interval_ladder_weeks or any(
            not 1 <= weeks <= 12 for weeks in self.interval_ladder_weeks
        ):
            raise ValueError("interval_ladder_weeks must be non-empty steps of 1-12 weeks")
        if not 1 <= self.unknown_interval_target_weeks.value <= 12:
            raise ValueError("unknown_interval_target_weeks must be 1-12 weeks")
        return self


class TimingConfig(_Config):
    """How the labs service finds the start of treatment."""

    first_dose_max_days_before_start: Setting = _days(
        14, "engineering default: older doses without a plan belong to an earlier course"
    )


class SummaryConfig(_Config):
    """The per-analyte response summary of the API."""

    trend_flat_tolerance: Setting = Setting(
        value=0.05, unit="1", source="engineering default: changes within 5 % read as flat"
    )


class LabsConfig(_Config):
    """Everything the labs domain applies; ``LabsConfig()`` gives the documented defaults."""

    chemistry: ChemistryConfig = ChemistryConfig()
    default_ranges: dict[Analyte, RangeSetting] = Field(default_factory=_default_ranges)
    laboratory_ranges: dict[str, dict[Analyte, RangeSetting]] = Field(
        default_factory=dict, description="Per lab_id, ranges that win over the defaults"
    )
    local_codes: dict[str, Analyte] = Field(
        default_factory=dict, description="Extra (e.g. local) codes mapped to an analyte"
    )
    thresholds: DecisionThresholds = DecisionThresholds()
    timing: TimingConfig = TimingConfig()
    reticulocyte_response: ReticulocyteResponseConfig = ReticulocyteResponseConfig()
    recovery: RecoveryConfig = RecoveryConfig()
    coexisting_causes: CoexistingCausesConfig = CoexistingCausesConfig()
    iron: IronConfig = IronConfig()
    hypokalaemia: HypokalaemiaConfig = HypokalaemiaConfig()
    relapse: RelapseConfig = RelapseConfig()
    summary: SummaryConfig = SummaryConfig()

    @model_validator(mode="after")
    def _units_convertible(self) -> Self:
        # A bad unit in configuration must fail at start-up, not dead-letter good results later.
        ranges = [self.default_ranges, *self.laboratory_ranges.values()]
        for by_analyte in ranges:
            for analyte, setting in by_analyte.items():
                self.to_canonical(analyte, 1.0, unit=setting.unit)
        for name, analyte in _THRESHOLD_ANALYTES.items():
            unit = getattr(self.thresholds, name).unit
            if unit != ANALYTES[analyte].canonical_unit:
                raise ValueError(f"thresholds.{name} must be in {ANALYTES[analyte].canonical_unit}")
        return self

    def to_canonical(self, analyte: Analyte, value: float, *, unit: str) -> float:
        """``value`` in ``unit`` expressed in the analyte's canonical unit."""
        return convert(
            value,
            analyte=analyte,
            from_unit=unit,
            to_unit=ANALYTES[analyte].canonical_unit,
            molar_mass_g_per_mol=self.chemistry.molar_mass(analyte),
            valence=self.chemistry.valence_of(analyte),
        )

    def from_canonical(self, analyte: Analyte, value: float, *, unit: str) -> float:
        """``value`` in the analyte's canonical unit expressed in ``unit``."""
        return convert(
            value,
            analyte=analyte,
            from_unit=ANALYTES[analyte].canonical_unit,
            to_unit=unit,
            molar_mass_g_per_mol=self.chemistry.molar_mass(analyte),
            valence=self.chemistry.valence_of(analyte),
        )


_THRESHOLD_ANALYTES = {
    "b12_deficient_below": Analyte.B12,
    "mma_elevated_above": Analyte.METHYLMALONIC_ACID,
    "homocysteine_elevated_above": Analyte.HOMOCYSTEINE,
    "haemoglobin_anaemia_below": Analyte.HAEMOGLOBIN,
    "haemoglobin_baseline_anaemic_below": Analyte.HAEMOGLOBIN,
    "mcv_macrocytosis_above": Analyte.MCV,
    "potassium_low_below": Analyte.POTASSIUM,
}
