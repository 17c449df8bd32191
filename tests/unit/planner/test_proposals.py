"""Proposals from flags and loading reviews: what would change and why, applied only on approval."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from services.planner.domain import (
    AddChecks,
    ChangeMaintenanceInterval,
    EndLoading,
    NotApplicableError,
    approve_proposal,
    find_due_loading_reviews,
    propose_from_flag,
)
from shared.contracts import (
    AddLabChecks,
    EndLoadingPhase,
    Evidence,
    FlagReason,
    ResponseFlagged,
    ShortenMaintenanceInterval,
    Threshold,
)
from tests.unit.planner.builders import CONTEXT, PLAN_ID, d, dates, plan_for

FLAG_ID = UUID("00000000-0000-4000-8000-0000000000f1")
UK = plan_for("uk-hydroxocobalamin-no-neuro")
NEURO = plan_for("uk-hydroxocobalamin-neuro")


def _flag(action, *, plan_id=PLAN_ID, reason=FlagReason.RELAPSE_ON_MAINTENANCE):
    return ResponseFlagged(
        event_id=UUID(int=7),
        occurred_at=datetime(2026, 5, 1, tzinfo=UTC),
        patient_id="patient-1",
        source="labs",
        flag_id=FLAG_ID,
        plan_id=plan_id,
        raised_by="labs",
        reason=reason,
        severity="warning",
        evidence=Evidence(thresholds=[Threshold(name="mcv_high", value=100, unit="fL")]),
        recommendation="Consider shortening the maintenance interval.",
        suggested_action=action,
        rule_id="relapse",
        rule_version=1,
    )


def test_relapse_proposes_a_shorter_interval_and_shows_the_change():
    flag = _flag(ShortenMaintenanceInterval(to_interval_weeks=8, from_interval_weeks=12))
    proposal = propose_from_flag(UK, flag, today=d("2026-05-01"), context=CONTEXT)
    assert proposal is not None
    assert proposal.applicable
    assert proposal.change == ChangeMaintenanceInterval(interval_weeks=8)
    assert proposal.summary == (
        "Maintenance every 8 weeks instead of every 12 weeks from 2026-05-01; next dose 2026-06-05."
    )
    # Old: 3 Jul, 25 Sep, 18 Dec; new: 5 Jun, 31 Jul, 25 Sep, 20 Nov (25 Sep stays).
    assert proposal.added_doses == dates("2026-06-05", "2026-07-31", "2026-11-20")
    assert proposal.removed_doses == dates("2026-07-03", "2026-12-18")
    assert proposal.reasons[0].startswith("RELAPSE_ON_MAINTENANCE raised by labs")
    assert "Threshold mcv_high: 100 fL." in proposal.reasons


def test_approval_applies_the_proposal_with_the_flag_as_reason():
    flag = _flag(ShortenMaintenanceInterval(to_interval_weeks=8))
    proposal = propose_from_flag(UK, flag, today=d("2026-05-01"), context=CONTEXT)
    assert proposal is not None
    adjustment = approve_proposal(UK, proposal, context=CONTEXT)
    assert (adjustment.reason_kind, adjustment.flag_id) == ("flag", FLAG_ID)
    assert [dose.due_on for dose in adjustment.doses] == dates(
        "2026-06-05", "2026-07-31", "2026-09-25", "2026-11-20"
    )


def test_a_suggestion_that_changes_nothing_is_recorded_as_not_applicable():
    flag = _flag(ShortenMaintenanceInterval(to_interval_weeks=12))
    proposal = propose_from_flag(UK, flag, today=d("2026-05-01"), context=CONTEXT)
    assert proposal is not None
    assert not proposal.applicable
    assert proposal.summary == "Not applicable: maintenance is already every 12 weeks"


def test_end_loading_and_add_checks_suggestions_map_to_changes():
    end = propose_from_flag(
        NEURO, _flag(EndLoadingPhase(on=d("2026-01-14"))), today=d("2026-01-20"), context=CONTEXT
    )
    assert end is not None
    assert (end.change, end.effective_from) == (EndLoading(), d("2026-01-15"))
    checks = propose_from_flag(
        UK,
        _flag(AddLabChecks(loinc_codes=["2284-8"], within_days=3)),
        today=d("2026-03-02"),
        context=CONTEXT,
    )
    assert checks is not None
    assert checks.change == AddChecks(
        loinc_codes=["2284-8"], within_days=3, purpose="Requested by RELAPSE_ON_MAINTENANCE"
    )
    assert checks.summary == "Add tests 2284-8 due 2026-03-05."


def test_flags_without_a_suggestion_or_for_another_plan():
    assert propose_from_flag(UK, _flag(None), today=d("2026-05-01"), context=CONTEXT) is None
    other = _flag(ShortenMaintenanceInterval(to_interval_weeks=8), plan_id=UUID(int=99))
    with pytest.raises(NotApplicableError, match="concerns plan"):
        propose_from_flag(UK, other, today=d("2026-05-01"), context=CONTEXT)


def test_a_neurological_loading_reaching_its_review_is_proposed_for_ending():
    assert find_due_loading_reviews([NEURO, UK], today=d("2026-01-25"), context=CONTEXT) == []
    [proposal] = find_due_loading_reviews([NEURO, UK], today=d("2026-01-26"), context=CONTEXT)
    assert (proposal.change, proposal.effective_from) == (EndLoading(), d("2026-01-27"))
    assert proposal.reason_kind == "phase_ended"
    assert proposal.summary == "End the loading phase on 2026-01-26; next dose 2026-03-23."
    again = find_due_loading_reviews([NEURO], today=d("2026-02-03"), context=CONTEXT)
    assert again[0].proposal_id == proposal.proposal_id
    confirmed = approve_proposal(NEURO, proposal, context=CONTEXT).plan
    assert find_due_loading_reviews([confirmed], today=d("2026-02-03"), context=CONTEXT) == []
