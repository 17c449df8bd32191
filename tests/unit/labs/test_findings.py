"""Dedupe keys, reconciliation with recorded findings, and the ResponseFlagged built from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.labs.domain import (
    FindingStatus,
    KnownFinding,
    LabsConfig,
    LabTimeline,
    build_flag,
    evaluate_labs,
    flag_id_of,
    reconcile_findings,
    record_report,
    replaced_findings,
)
from shared.contracts import Phase, ResponseFlagged, decode_event

from .builders import B12, HB, MCV, PATIENT, PLAN_ID, START, context, lab, phase, reports

CONFIG = LabsConfig()
NOW = datetime(2026, 6, 1, tzinfo=UTC)


class Patient:
    """Feeds events one at a time like the handler will: record, evaluate, reconcile, store."""

    def __init__(self, ctx=None):
        self.timeline = LabTimeline()
        self.known: dict[str, KnownFinding] = {}
        self.context = ctx or context()
        self.published: list = []

    def receive(self, *events):
        for report in reports(*events):
            self.timeline = record_report(self.timeline, report).timeline
        current = evaluate_labs(timeline=self.timeline, context=self.context, config=CONFIG)
        outcome = reconcile_findings(
            current=current, known=list(self.known.values()), timeline=self.timeline
        )
        for finding in (*outcome.raised, *outcome.reopened):
            self.known[finding.dedupe_key] = KnownFinding(finding=finding)
        for finding in outcome.withdrawn:
            self.known[finding.dedupe_key] = KnownFinding(
                finding=finding, status=FindingStatus.WITHDRAWN
            )
        self.published += outcome.raised
        return outcome

    def open_reasons(self):
        return sorted(
            k.finding.reason.value for k in self.known.values() if k.status is FindingStatus.OPEN
        )


def test_same_evidence_gives_the_same_key_whatever_the_order():
    events = [lab(HB, 100, "g/L", day=-3), lab(HB, 100, "g/L", day=60), lab(MCV, 105, "fL", day=60)]
    keys = set()
    for ordering in (events, list(reversed(events))):
        findings = evaluate_labs(
            timeline=LabTimeline(tuple(reports(*ordering))), context=context(), config=CONFIG
        )
        keys.add(tuple(sorted(f.dedupe_key for f in findings)))
    assert len(keys) == 1


def test_redelivered_results_raise_nothing_new():
    patient = Patient()
    first = patient.receive(lab(HB, 100, "g/L", day=60))
    again = patient.receive(lab(HB, 100, "g/L", day=60))
    assert [f.reason.value for f in first.raised] == ["HAEMOGLOBIN_NOT_RECOVERING"]
    assert again.raised == again.withdrawn == ()


def test_later_results_of_the_same_episode_raise_nothing_new():
    patient = Patient()
    patient.receive(lab(HB, 100, "g/L", day=60))
    later = patient.receive(lab(HB, 104, "g/L", day=90))
    assert later.raised == ()
    assert len(patient.published) == 1


def test_amendment_that_still_holds_replaces_the_finding():
    patient = Patient()
    patient.receive(lab(HB, 100, "g/L", day=60, result_id="hb"))
    amended = patient.receive(
        lab(HB, 105, "g/L", day=60, result_id="hb", status="amended", reported_after_hours=48)
    )
    assert len(amended.raised) == len(amended.withdrawn) == 1
    assert amended.raised[0].dedupe_key != amended.withdrawn[0].dedupe_key
    assert patient.open_reasons() == ["HAEMOGLOBIN_NOT_RECOVERING"]


def test_amendment_with_the_same_facts_keeps_the_key():
    patient = Patient()
    patient.receive(lab(HB, 100, "g/L", day=60, result_id="hb"))
    same = patient.receive(
        lab(HB, 100, "g/L", day=60, result_id="hb", status="corrected", reported_after_hours=48)
    )
    assert same.raised == same.withdrawn == ()


def test_amendment_that_no_longer_holds_withdraws_the_finding():
    patient = Patient()
    patient.receive(lab(HB, 100, "g/L", day=60, result_id="hb"))
    corrected = patient.receive(
        lab(HB, 135, "g/L", day=60, result_id="hb", status="corrected", reported_after_hours=48)
    )
    assert corrected.raised == ()
    assert [f.reason.value for f in corrected.withdrawn] == ["HAEMOGLOBIN_NOT_RECOVERING"]
    assert patient.open_reasons() == []


def test_cancellation_withdraws_and_restoring_the_same_facts_reopens():
    patient = Patient()
    patient.receive(lab(HB, 100, "g/L", day=60, result_id="hb"))
    cancelled = patient.receive(
        lab(HB, 100, "g/L", day=60, result_id="hb", status="cancelled", reported_after_hours=48)
    )
    restored = patient.receive(
        lab(HB, 100, "g/L", day=60, result_id="hb", status="amended", reported_after_hours=96)
    )
    assert len(cancelled.withdrawn) == 1
    assert restored.raised == ()
    assert len(restored.reopened) == 1
    assert patient.open_reasons() == ["HAEMOGLOBIN_NOT_RECOVERING"]


def test_blood_count_arriving_in_pieces_raises_each_finding_once():
    patient = Patient()
    patient.receive(lab(B12, 500, "pmol/L", day=60, hour=9))
    patient.receive(lab(MCV, 106, "fL", day=60))
    patient.receive(lab(HB, 100, "g/L", day=60))
    assert sorted(f.reason.value for f in patient.published) == [
        "CHECK_COEXISTING_CAUSES",
        "HAEMOGLOBIN_NOT_RECOVERING",
        "MACROCYTOSIS_PERSISTING",
    ]


def test_finding_no_longer_produced_with_intact_evidence_stays_open():
    patient = Patient()
    patient.receive(lab(B12, 100, "pmol/L", day=30))
    # The plan is adjusted so that day 30 is now loading: the rule no longer produces it.
    patient.context = context(phases=[phase_loading_until_day(40)])
    later = patient.receive()
    assert later.withdrawn == later.raised == ()
    assert patient.open_reasons() == ["B12_NOT_REPLETED"]


def phase_loading_until_day(day):
    return phase(Phase.LOADING, START, START + timedelta(days=day))


def test_build_flag_is_a_valid_deterministic_response_flagged():
    patient = Patient()
    (finding,) = patient.receive(lab(HB, 100, "g/L", day=60)).raised
    flag = build_flag(finding, patient_id=PATIENT, plan_id=PLAN_ID, source="labs", occurred_at=NOW)
    again = build_flag(finding, patient_id=PATIENT, plan_id=PLAN_ID, source="labs", occurred_at=NOW)
    assert flag == again
    assert flag.flag_id == flag_id_of(finding, patient_id=PATIENT)
    assert flag.raised_by == "labs"
    assert flag.rule_id == "labs.haemoglobin_not_recovering"
    decoded = decode_event(flag.to_json())
    assert isinstance(decoded, ResponseFlagged)
    assert decoded.evidence == finding.evidence


def test_flag_ids_differ_between_patients():
    patient = Patient()
    (finding,) = patient.receive(lab(HB, 100, "g/L", day=60)).raised
    assert flag_id_of(finding, patient_id="a") != flag_id_of(finding, patient_id="b")


def test_finding_survives_a_json_round_trip_with_its_keys():
    patient = Patient()
    (finding,) = patient.receive(lab(HB, 100, "g/L", day=60)).raised
    stored = finding.model_dump_json()
    restored = type(finding).model_validate_json(stored)
    assert restored == finding
    assert restored.dedupe_key == finding.dedupe_key
    assert '"dedupe_key"' in stored


def test_a_finding_raised_in_place_of_an_amended_one_names_it():
    patient = Patient()
    (first,) = patient.receive(lab(HB, 100, "g/L", day=60, result_id="hb")).raised
    amended = patient.receive(
        lab(HB, 105, "g/L", day=60, result_id="hb", status="amended", reported_after_hours=48)
    )
    (new,) = amended.raised
    assert replaced_findings(amended) == {new.dedupe_key: first}
    flag = build_flag(
        new,
        patient_id=PATIENT,
        plan_id=PLAN_ID,
        source="labs",
        occurred_at=NOW,
        supersedes_flag_id=flag_id_of(first, patient_id=PATIENT),
    )
    assert flag.supersedes_flag_id == flag_id_of(first, patient_id=PATIENT)


def test_a_new_finding_on_other_results_replaces_nothing():
    patient = Patient()
    patient.receive(lab(HB, 100, "g/L", day=60, result_id="hb"))
    corrected = patient.receive(
        lab(HB, 135, "g/L", day=60, result_id="hb", status="corrected", reported_after_hours=48)
    )
    later = patient.receive(lab(HB, 100, "g/L", day=120, result_id="hb-2"))
    assert replaced_findings(corrected) == {}
    assert len(later.raised) == 1
    assert replaced_findings(later) == {}


def test_evidence_names_the_issuing_system_and_the_original_report():
    patient = Patient()
    event = lab(HB, 10.0, "g/dL", day=60, result_id="hb", source="lab-a")
    (finding,) = patient.receive(event).raised
    (item,) = [i for i in finding.evidence.items if i.kind == "lab_result"]
    assert (item.source, item.ref) == ("lab-a", "hb")
    assert (item.value, item.unit) == (100, "g/L")
    assert (item.original_value, item.original_unit) == (10.0, "g/dL")
    (day,) = [i for i in finding.evidence.items if i.label == "treatment_day"]
    assert day.source == "lab-a"
