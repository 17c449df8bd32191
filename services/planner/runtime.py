"""The planner's runtime: the shared one plus the planning context its rules need."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from services.planner.domain import PlanningContext, load_protocol_library
from services.planner.settings import PlannerSettings
from shared.runtime import ServiceRuntime, ServiceSpec

SOURCE = "planner"
"""``source`` of every event the planner publishes."""
SWEEPER_ACTOR = "planner:sweeper"
"""The actor recorded for changes the sweeper makes (no person decided them)."""


def planning_context(settings: PlannerSettings) -> PlanningContext:
    """Load and validate the protocol library; a bad file stops the service at start."""
    library = load_protocol_library(settings.protocol_dir, bounds=settings.rules.bounds)
    return PlanningContext(library=library, rules=settings.rules, calendar=settings.calendar)


class PlannerRuntime(ServiceRuntime):
    """What the planner's routes, handler and sweeper share in one process."""

    def __init__(
        self, spec: ServiceSpec, *, settings: PlannerSettings, context: PlanningContext
    ) -> None:
        # Set before the base class subscribes (which builds the handler from this runtime).
        self.planner_settings = settings
        self.context = context
        super().__init__(spec)

    def today(self, timezone: str) -> date:
        """The date in ``timezone`` at the service's "now" (which a simulation may pin)."""
        return self.clock().astimezone(ZoneInfo(timezone)).date()


def planner_runtime(runtime: ServiceRuntime) -> PlannerRuntime:
    """The planner's runtime behind the shared type the framework hands around."""
    if not isinstance(runtime, PlannerRuntime):
        raise TypeError("the planner needs a PlannerRuntime (build it with build_app)")
    return runtime
