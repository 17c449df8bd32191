"""Start the labs service: ``python -m services.labs``."""

from services.labs.app import build_app
from services.labs.settings import LabsSettings
from shared.serve import serve

settings = LabsSettings()
serve(lambda: build_app(settings), settings)
