"""Start the adherence service: ``python -m services.adherence``."""

from services.adherence.app import build_app
from services.adherence.settings import AdherenceSettings
from shared.serve import serve

settings = AdherenceSettings()
serve(lambda: build_app(settings), settings)
