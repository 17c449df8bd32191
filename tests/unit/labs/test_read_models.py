"""GET /rules, the response summary and the timeline view."""

from __future__ import annotations

from services.labs.domain import (
    ALL_RULES,
    Analyte,
    LabsConfig,
    Trend,
    describe_rules,
    summarise_response,
    timeline_view,
)
from services.labs.domain.summary import EntryState
from shared.contracts import FlagReason

from .builders import B12, HB, MCV, context, lab, timeline

CONFIG = LabsConfig()
LABS_REASONS = {
    FlagReason.NO_RETICULOCYTE_RESPONSE,
    FlagReason.HAEMOGLOBIN_NOT_RECOVERING,
    FlagReason.MACROCYTOSIS_PERSISTING,
    FlagReason.B12_NOT_REPLETED,
    FlagReason.FUNCTIONAL_DEFICIENCY_PERSISTING,
    FlagReason.CHECK_COEXISTING_CAUSES,
    FlagReason.FOLATE_DEFICIENT,
    FlagReason.IRON_DEFICIENCY_UNMASKED,
    FlagReason.HYPOKALAEMIA,
    FlagReason.RELAPSE_ON_MAINTENANCE,
}


def test_every_labs_reason_has_exactly_one_rule():
    assert sorted(rule.info.reason for rule in ALL_RULES) == sorted(LABS_REASONS)
    assert len({rule.info.rule_id for rule in ALL_RULES}) == len(ALL_RULES)


def test_rules_view_shows_versions_settings_and_sources():
    view = describe_rules(CONFIG)
    assert {rule.reason for rule in view.rules} == LABS_REASONS
    hypokalaemia = next(r for r in view.rules if r.reason is FlagReason.HYPOKALAEMIA)
    assert hypokalaemia.version == 1
    assert hypokalaemia.severity == "urgent"
    low = next(s for s in hypokalaemia.settings if s.name == "potassium_low_below")
    assert (low.value, low.unit) == (3.5, "mmol/L")
    assert "FDA-CN" in low.source
    assert all(s.source for r in view.rules for s in r.settings)
    coexisting = next(r for r in view.rules if r.reason is FlagReason.CHECK_COEXISTING_CAUSES)
    assert coexisting.parameters["suggested_codes"] == "2284-8, 2276-4, 3016-3"


def test_rules_view_reflects_configuration_and_lists_codes():
    config = LabsConfig(
        thresholds={"mcv_macrocytosis_above": {"value": 98, "unit": "fL", "source": "local"}}
    )
    view = describe_rules(config)
    mcv = next(r for r in view.rules if r.reason is FlagReason.MACROCYTOSIS_PERSISTING)
    assert next(s for s in mcv.settings if s.name == "macrocytosis_above").value == 98
    unconfirmed = {c.code for c in view.codes if not c.confirmed}
    assert unconfirmed == {"14685-2", "14196-0"}


def test_response_summary_per_analyte():
    events = [
        lab(HB, 95, "g/L", day=-3),
        lab(HB, 11.0, "g/dL", day=21),
        lab(HB, 130, "g/L", day=56),
        lab(MCV, 110, "fL", day=-3),
        lab(MCV, 108, "fL", day=56),
        lab(B12, 600, "pmol/L", day=56),
    ]
    summaries = {
        s.analyte: s
        for s in summarise_response(timeline=timeline(*events), context=context(), config=CONFIG)
    }
    hb = summaries[Analyte.HAEMOGLOBIN]
    assert hb.baseline is not None
    assert (hb.baseline.value, hb.latest.value, hb.change_from_baseline) == (95, 130, 35)
    assert hb.trend is Trend.RISING
    assert hb.latest.treatment_day == 56
    assert summaries[Analyte.MCV].trend is Trend.FLAT
    assert summaries[Analyte.B12].trend is Trend.UNKNOWN
    assert summaries[Analyte.B12].baseline is None


def test_falling_trend_and_no_plan():
    events = [lab(HB, 130, "g/L", day=100), lab(HB, 110, "g/L", day=200)]
    (hb,) = summarise_response(timeline=timeline(*events), context=None, config=CONFIG)
    assert hb.trend is Trend.FALLING
    assert hb.baseline is None
    assert hb.latest.treatment_day is None


def test_timeline_view_shows_originals_states_and_days():
    events = [
        lab(HB, 9.5, "g/dL", day=-3, result_id="hb0"),
        lab(HB, 100, "g/L", day=60, result_id="hb1"),
        lab(HB, 101, "g/L", day=60, result_id="hb1", status="amended", reported_after_hours=30),
        lab(MCV, 100, "fL", day=60, result_id="mcv1"),
        lab(MCV, 100, "fL", day=60, result_id="mcv1", status="cancelled", reported_after_hours=30),
        lab("11111-1", 3, "U", day=60, result_id="odd"),
    ]
    entries = timeline_view(timeline=timeline(*events), context=context())
    states = {(e.result_id, e.status): e.state for e in entries}
    assert states == {
        ("hb0", "final"): EntryState.EFFECTIVE,
        ("hb1", "final"): EntryState.SUPERSEDED,
        ("hb1", "amended"): EntryState.EFFECTIVE,
        ("mcv1", "final"): EntryState.SUPERSEDED,
        ("mcv1", "cancelled"): EntryState.CANCELLED,
        ("odd", "final"): EntryState.UNRECOGNISED,
    }
    baseline = next(e for e in entries if e.result_id == "hb0")
    assert (baseline.original_value, baseline.original_unit) == (9.5, "g/dL")
    assert (baseline.value, baseline.unit) == (95, "g/L")
    assert baseline.baseline
    assert baseline.treatment_day == -3
    assert baseline.interpretation == "L"
