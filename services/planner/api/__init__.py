"""The planner's HTTP API: protocols and plans, proposals and adjustments."""

from services.planner.api.plans import router as plans_router
from services.planner.api.proposals import router as proposals_router

routers = [plans_router, proposals_router]

__all__ = ["routers"]
