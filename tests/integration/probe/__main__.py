"""Run the probe as a process: ``python -m tests.integration.probe``."""

from shared.serve import serve
from tests.integration.probe.app import ProbeSettings, build_app

settings = ProbeSettings()
serve(lambda: build_app(settings), settings)
