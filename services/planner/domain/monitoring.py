"""The monitoring schedule that goes with every plan.

Checks are counted from the first scheduled dose (when treatment really begins; a Saturday
start date on a weekday clinic begins on Monday). B12 itself is never scheduled again: levels
are not repeated in patients settled on replacement [BNSSG].
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from services.planner.domain.calendar import ClinicCalendar, add_months
from services.planner.domain.config import CheckRule, MonitoringRules
from services.planner.domain.ids import check_id
from shared.contracts.plans import LabCheck
from shared.contracts.vocabulary import Severity

CLINICAL_REVIEW_KEY = "clinical_review"
# LabCheck.kind of a check a clinician or a flag added (the monitoring rules' keys name the rest).
ADDED_CHECK_KIND = "added"


def schedule_monitoring(
    *,
    plan_id: UUID,
    first_dose_on: date,
    severity: Severity,
    pregnant: bool,
    calendar: ClinicCalendar,
    rules: MonitoringRules,
) -> list[LabCheck]:
    """Reticulocytes at days 7-10, blood count at 8 weeks, review at 3 months (1 if pregnant)."""
    windowed = [rules.reticulocytes, rules.blood_count]
    if severity == Severity.SEVERE and rules.potassium_when_severe:
        windowed.insert(0, rules.potassium)
    checks = [
        _windowed_check(rule, plan_id=plan_id, first_dose_on=first_dose_on, calendar=calendar)
        for rule in windowed
    ]
    checks.append(
        clinical_review(
            plan_id=plan_id,
            first_dose_on=first_dose_on,
            pregnant=pregnant,
            calendar=calendar,
            rules=rules,
        )
    )
    return sorted(checks, key=lambda check: (check.due_on, check.purpose))


def clinical_review(
    *,
    plan_id: UUID,
    first_dose_on: date,
    pregnant: bool,
    calendar: ClinicCalendar,
    rules: MonitoringRules,
) -> LabCheck:
    """The clinical review (a check with no lab codes), on a working day."""
    months = (
        rules.clinical_review_after_months_pregnant
        if pregnant
        else rules.clinical_review_after_months
    )
    due_on = calendar.next_working_day(add_months(first_dose_on, months))
    unit = "month" if months == 1 else "months"
    who = " (pregnant)" if pregnant else ""
    return LabCheck(
        check_id=check_id(plan_id, key=CLINICAL_REVIEW_KEY, due_on=due_on),
        due_on=due_on,
        loinc_codes=[],
        purpose=f"Clinical review at {months} {unit}{who} [{rules.clinical_review_source}]",
        kind=CLINICAL_REVIEW_KEY,
    )


def added_check(
    *,
    plan_id: UUID,
    loinc_codes: list[str],
    due_on: date,
    purpose: str,
    calendar: ClinicCalendar,
) -> LabCheck:
    """An extra check a clinician (or a flag) asked for, moved to a working day."""
    due_on = calendar.next_working_day(due_on)
    key = "added:" + ",".join(sorted(loinc_codes))
    return LabCheck(
        check_id=check_id(plan_id, key=key, due_on=due_on),
        due_on=due_on,
        loinc_codes=loinc_codes,
        purpose=purpose or "Additional laboratory tests",
        kind=ADDED_CHECK_KIND,
    )


def _windowed_check(
    rule: CheckRule, *, plan_id: UUID, first_dose_on: date, calendar: ClinicCalendar
) -> LabCheck:
    due_on = _working_day_in_window(rule, first_dose_on=first_dose_on, calendar=calendar)
    return LabCheck(
        check_id=check_id(plan_id, key=rule.key, due_on=due_on),
        due_on=due_on,
        loinc_codes=list(rule.loinc_codes),
        purpose=f"{rule.purpose} [{rule.source}]",
        kind=rule.key,
    )


def _working_day_in_window(
    rule: CheckRule, *, first_dose_on: date, calendar: ClinicCalendar
) -> date:
    # Prefer the target day or the first open day after it; else the last open day before it.
    # A window with no open day keeps the target: the check is due then (out-of-hours sampling).
    target = first_dose_on + timedelta(days=rule.target_day)
    for day in range(rule.target_day, rule.latest_day + 1):
        candidate = first_dose_on + timedelta(days=day)
        if calendar.is_working_day(candidate):
            return candidate
    earlier = calendar.latest_working_day(
        on_or_before=target - timedelta(days=1),
        not_before=first_dose_on + timedelta(days=rule.earliest_day),
    )
    return earlier if earlier is not None else target
