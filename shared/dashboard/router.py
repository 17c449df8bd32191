"""Routes: ``/dashboard`` (all services), ``/dashboard/service`` (this one) and their assets."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from shared.dashboard.page import Mode, content_security_policy, render_page
from shared.http import NotFound, RuntimeDep

STATIC = (Path(__file__).parent / "static").resolve()
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=False)


def _page(runtime: RuntimeDep, mode: Mode) -> HTMLResponse:
    settings = runtime.settings
    return HTMLResponse(
        render_page(settings, mode),
        headers={
            "Content-Security-Policy": content_security_policy(settings, mode),
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@router.get("")
async def overview(runtime: RuntimeDep) -> HTMLResponse:
    """Every service side by side: readiness, throughput, lag, outbox, dead letters, alerts."""
    return _page(runtime, "overview")


@router.get("/service")
async def service_page(runtime: RuntimeDep) -> HTMLResponse:
    """This service alone, in more detail."""
    return _page(runtime, "service")


@router.get("/static/{name:path}")
async def asset(name: str) -> FileResponse:
    """A script or stylesheet of the dashboards (bundled: no network needed at run time)."""
    path = (STATIC / name).resolve()
    media_type = MEDIA_TYPES.get(path.suffix)
    if media_type is None or not path.is_relative_to(STATIC) or not path.is_file():
        raise NotFound(f"no dashboard asset {name}")
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
