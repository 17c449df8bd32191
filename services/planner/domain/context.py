"""Everything the planner's rules need besides the request: library, parameters, calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.planner.domain.calendar import ClinicCalendar
from services.planner.domain.config import PlannerRules
from services.planner.domain.library import ProtocolLibrary
from services.planner.domain.protocols import Period
from services.planner.domain.schedule import ScheduleContext


@dataclass(frozen=True)
class PlanningContext:
    """Built once in the composition root and passed to every entry point."""

    library: ProtocolLibrary
    rules: PlannerRules
    calendar: ClinicCalendar

    def schedule_context(self, *, until: date) -> ScheduleContext:
        """The schedule engine's view of this context, listing open phases up to ``until``."""
        return ScheduleContext(
            calendar=self.calendar,
            spacing_cap_days=self.rules.bounds.spacing_cap_days,
            until=until,
            default_review_after=Period(count=self.rules.schedule.review_after_weeks, unit="weeks"),
        )
