"""Errors the planner's domain raises; the API maps them to 4xx answers."""

from __future__ import annotations


class PlannerError(Exception):
    """Base of every planner domain error: a request the rules cannot honour (HTTP 422)."""


class UnknownProtocolError(PlannerError):
    """A protocol id (or version) that is not in the library (HTTP 404 or 422)."""


class ProtocolDataError(PlannerError):
    """A protocol data file that fails validation: the service must not start with it."""


class BoundViolationError(PlannerError):
    """A clinician's override outside a configured safety bound; the message names the bound."""

    def __init__(self, *, field: str, value: int, bound: str, limit: int, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.value = value
        self.bound = bound
        self.limit = limit


class NotApplicableError(PlannerError):
    """A change that does not fit the plan as it stands (e.g. ending a loading phase it lacks)."""


class CalendarError(PlannerError):
    """The clinic calendar leaves no working day where one is needed."""
