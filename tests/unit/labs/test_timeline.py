"""Timeline: idempotency, supersession by amendments, cancellation, order independence."""

from __future__ import annotations

from itertools import permutations

from services.labs.domain import LabTimeline, RecordOutcome, record_report

from .builders import HB, MCV, reports, timeline
from .builders import lab as lab_event


def record_all(*events):
    current = LabTimeline()
    outcomes = []
    for report in reports(*events):
        recorded = record_report(current, report)
        current = recorded.timeline
        outcomes.append((recorded.outcome, recorded.evaluation_changed))
    return current, outcomes


def test_new_result_changes_evaluation():
    _, outcomes = record_all(lab_event(HB, 100, "g/L", day=60))
    assert outcomes == [(RecordOutcome.NEW, True)]


def test_duplicate_event_is_ignored():
    event = lab_event(HB, 100, "g/L", day=60)
    current, outcomes = record_all(event, event)
    assert outcomes[1] == (RecordOutcome.DUPLICATE, False)
    assert len(current.reports) == 1


def test_amendment_supersedes_and_only_the_amended_value_is_evaluated():
    current, outcomes = record_all(
        lab_event(HB, 100, "g/L", day=60, result_id="r1"),
        lab_event(
            HB, 130, "g/L", day=60, result_id="r1", status="amended", reported_after_hours=30
        ),
    )
    assert outcomes[1] == (RecordOutcome.SUPERSEDED, True)
    assert [m.value for m in current.measurements()] == [130]
    assert [r.original_value for r in current.superseded()] == [100]


def test_amendment_repeating_the_same_facts_changes_nothing_evaluated():
    _, outcomes = record_all(
        lab_event(HB, 100, "g/L", day=60, result_id="r1"),
        lab_event(
            HB, 100, "g/L", day=60, result_id="r1", status="corrected", reported_after_hours=9
        ),
    )
    assert outcomes[1] == (RecordOutcome.SUPERSEDED, False)


def test_cancellation_removes_the_result_from_evaluation():
    current, outcomes = record_all(
        lab_event(HB, 100, "g/L", day=60, result_id="r1"),
        lab_event(
            HB, 100, "g/L", day=60, result_id="r1", status="cancelled", reported_after_hours=9
        ),
    )
    assert outcomes[1] == (RecordOutcome.CANCELLED, True)
    assert current.measurements() == ()
    assert len(current.reports) == 2


def test_late_original_after_its_amendment_is_stale():
    amended = lab_event(
        HB, 130, "g/L", day=60, result_id="r1", status="amended", reported_after_hours=30
    )
    original = lab_event(HB, 100, "g/L", day=60, result_id="r1")
    current, outcomes = record_all(amended, original)
    assert outcomes[1] == (RecordOutcome.STALE, False)
    assert [m.value for m in current.measurements()] == [130]


def test_same_result_id_from_another_source_is_another_result():
    current = timeline(
        lab_event(HB, 100, "g/L", day=60, result_id="r1", source="lab-a"),
        lab_event(HB, 110, "g/L", day=60, result_id="r1", source="lab-b"),
    )
    assert sorted(m.value for m in current.measurements()) == [100, 110]


def test_effective_results_do_not_depend_on_arrival_order():
    events = [
        lab_event(HB, 100, "g/L", day=60, result_id="r1"),
        lab_event(
            HB, 120, "g/L", day=60, result_id="r1", status="amended", reported_after_hours=20
        ),
        lab_event(
            HB, 0, "g/L", day=60, result_id="r1", status="cancelled", reported_after_hours=40
        ),
        lab_event(MCV, 104, "fL", day=60, result_id="r2"),
        lab_event(
            MCV, 99, "fL", day=60, result_id="r2", status="corrected", reported_after_hours=20
        ),
    ]
    seen = set()
    for order in permutations(events):
        seen.add(tuple((m.key, m.value) for m in timeline(*order).measurements()))
    assert seen == {((("lab-system", "r2"), 99.0),)}


def test_unrecognised_results_are_listed_but_never_measured():
    current = timeline(lab_event("12345-6", 1.0, "x", day=3), lab_event(HB, 100, "g/L", day=3))
    assert [r.code for r in current.unrecognised()] == ["12345-6"]
    assert [m.report.code for m in current.measurements()] == [HB]


def test_cancellation_reported_at_the_same_instant_outranks_an_amendment():
    amended = lab_event(
        HB, 120, "g/L", day=60, result_id="r1", status="amended", reported_after_hours=9
    )
    cancelled = lab_event(
        HB, 0, "g/L", day=60, result_id="r1", status="cancelled", reported_after_hours=9
    )
    for order in ((amended, cancelled), (cancelled, amended)):
        assert timeline(*order).measurements() == ()


def test_resent_result_under_a_new_event_id_is_a_duplicate():
    original = lab_event(HB, 100, "g/L", day=60, result_id="r1")
    resent = lab_event(HB, 100, "g/L", day=60, result_id="r1", reported_after_hours=12)
    assert original.event_id != resent.event_id
    current, outcomes = record_all(original, resent)
    assert outcomes[1] == (RecordOutcome.DUPLICATE, False)
    assert len(current.reports) == 1


def test_original_re_sent_after_an_amendment_does_not_revert_it():
    original = lab_event(HB, 100, "g/L", day=60, result_id="r1")
    amended = lab_event(
        HB, 130, "g/L", day=60, result_id="r1", status="amended", reported_after_hours=20
    )
    resent = lab_event(HB, 100, "g/L", day=60, result_id="r1", reported_after_hours=40)
    current, outcomes = record_all(original, amended, resent)
    assert outcomes[2] == (RecordOutcome.STALE, False)
    assert [m.value for m in current.measurements()] == [130]


def test_a_later_final_with_new_values_replaces_an_earlier_final():
    current, outcomes = record_all(
        lab_event(HB, 100, "g/L", day=60, result_id="r1"),
        lab_event(HB, 104, "g/L", day=60, result_id="r1", reported_after_hours=20),
    )
    assert outcomes[1] == (RecordOutcome.SUPERSEDED, True)
    assert [m.value for m in current.measurements()] == [104]
