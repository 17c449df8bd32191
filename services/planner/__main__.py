"""Start the planner service: ``python -m services.planner``."""

from services.planner.app import build_app
from services.planner.settings import PlannerSettings
from shared.serve import serve

settings = PlannerSettings()
serve(lambda: build_app(settings), settings)
