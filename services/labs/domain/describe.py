"""GET /rules: every rule with its version and the settings it applies, with their sources."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.labs.domain.catalogue import ANALYTES, LOINC, Analyte
from services.labs.domain.config import LabsConfig
from services.labs.domain.rules import ALL_RULES, Rule
from shared.contracts import FlagReason, FlagSeverity

TIMING_CONVENTION = (
    "Treatment days count from day 0, the local date of the first administered dose (else the"
    " plan's start date); baselines are the latest results taken before treatment began."
)


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class SettingView(_View):
    """One configured value a rule applies."""

    name: str
    value: float
    unit: str | None
    source: str


class RuleView(_View):
    """One rule as GET /rules shows it."""

    rule_id: str
    version: int
    reason: FlagReason
    severity: FlagSeverity
    summary: str
    settings: list[SettingView]
    parameters: dict[str, str]


class CodeView(_View):
    """One LOINC code the service maps to an analyte."""

    code: str
    analyte: Analyte
    display: str
    canonical_unit: str
    confirmed: bool


class RangeView(_View):
    """A default reference range."""

    analyte: Analyte
    low: float | None
    high: float | None
    unit: str
    source: str


class RulesView(_View):
    """Everything GET /rules returns."""

    timing: str
    rules: list[RuleView]
    codes: list[CodeView]
    default_ranges: list[RangeView]
    laboratories_with_ranges: list[str]


def describe_rule(rule: Rule, *, config: LabsConfig) -> RuleView:
    """One rule's identity and the settings it applies."""
    settings = [
        SettingView(name=name, value=s.value, unit=s.unit, source=s.source)
        for name, s in rule.settings(config).items()
    ]
    return RuleView(
        rule_id=rule.info.rule_id,
        version=rule.info.version,
        reason=rule.info.reason,
        severity=rule.info.severity,
        summary=rule.info.summary,
        settings=settings,
        parameters=dict(rule.parameters(config)) if rule.parameters else {},
    )


def describe_rules(config: LabsConfig, rules: tuple[Rule, ...] = ALL_RULES) -> RulesView:
    """The rules, their versions and settings, the code map and the default ranges."""
    codes = [
        CodeView(
            code=entry.code,
            analyte=entry.analyte,
            display=entry.display,
            canonical_unit=ANALYTES[entry.analyte].canonical_unit,
            confirmed=entry.confirmed,
        )
        for entry in LOINC.values()
    ]
    codes += [
        CodeView(
            code=code,
            analyte=analyte,
            display=f"local code for {ANALYTES[analyte].display}",
            canonical_unit=ANALYTES[analyte].canonical_unit,
            confirmed=False,
        )
        for code, analyte in sorted(config.local_codes.items())
    ]
    ranges = [
        RangeView(analyte=analyte, low=r.low, high=r.high, unit=r.unit, source=r.source)
        for analyte, r in config.default_ranges.items()
    ]
    return RulesView(
        timing=TIMING_CONVENTION,
        rules=[describe_rule(rule, config=config) for rule in rules],
        codes=codes,
        default_ranges=ranges,
        laboratories_with_ranges=sorted(config.laboratory_ranges),
    )
