"""Start the notifier service: ``python -m services.notifier``."""

from services.notifier.app import build_app
from services.notifier.settings import NotifierSettings
from shared.serve import serve

settings = NotifierSettings()
serve(lambda: build_app(settings), settings)
