"""The FastAPI side of a service: lifespan, /health, /ready, /metrics, errors and dependencies."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.observability.logging import configure_logging
from shared.observability.tracing import configure_tracing, instrument_app
from shared.runtime import NotReady, ServiceRuntime, ServiceSpec


class Problem(BaseModel):
    """An error answer: what went wrong, in a sentence a client developer can act on."""

    detail: str


class DomainError(Exception):
    """A request the service understood but will not carry out; becomes a 4xx answer."""

    status_code = 422

    def __init__(self, detail: str, *, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if status_code is not None:
            self.status_code = status_code


class NotFound(DomainError):
    """The resource does not exist."""

    status_code = 404


class Conflict(DomainError):
    """The request clashes with the current state."""

    status_code = 409


def get_runtime(request: Request) -> ServiceRuntime:
    """The service runtime of the app serving this request."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


def get_pool(runtime: RuntimeDep) -> asyncpg.Pool:
    """The service's database pool (503 while still connecting)."""
    return runtime.pool


PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Invalid or unsafe request"},
    503: {"model": Problem, "description": "Not connected to the database or broker yet"},
}


def _problem(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# Answers FastAPI itself gives: documented on the operations that can get them.
SECURED_RESPONSES = {
    "401": _problem("Missing, invalid or expired bearer token"),
    "403": _problem("The token carries none of the scopes this operation accepts"),
}
BODY_RESPONSES = {"400": _problem("The body could not be read (not UTF-8)")}


def _probe_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "alive"}

    @router.get("/ready", responses={503: {"description": "Not ready"}})
    async def ready(runtime: RuntimeDep) -> JSONResponse:
        """Readiness: started, and the database and Kafka answer."""
        checks = await runtime.readiness()
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    @router.get("/metrics", response_class=Response)
    async def metrics(runtime: RuntimeDep) -> Response:
        """Prometheus metrics."""
        return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4")

    return router


def _document_framework_answers(app: FastAPI) -> None:
    """Protected operations may answer 401 and 403, operations with a body 400."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # cached by FastAPI; adding the same answers again changes nothing
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                if operation.get("security"):
                    for status, answer in SECURED_RESPONSES.items():
                        responses.setdefault(status, answer)
                if "requestBody" in operation:
                    for status, answer in BODY_RESPONSES.items():
                        responses.setdefault(status, answer)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for error in exc.errors()[:5]:
            location = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
            parts.append(f"{location}: {error.get('msg')}")
        return JSONResponse({"detail": "; ".join(parts) or "invalid request"}, status_code=422)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(asyncpg.CharacterNotInRepertoireError)
    @app.exception_handler(asyncpg.UntranslatableCharacterError)
    async def unstorable_text(_: Request, exc: asyncpg.DataError) -> JSONResponse:
        # A NUL (or a character the database encoding lacks) in a parameter or body field.
        detail = "text contains a character that cannot be stored (such as NUL)"
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(NotReady)
    async def not_ready(_: Request, exc: NotReady) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "2"})


def _install_metrics_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def count_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics = request.app.state.runtime.metrics
        metrics.http_requests.labels(request.method, path, str(response.status_code)).inc()
        metrics.http_seconds.labels(request.method, path).observe(time.perf_counter() - started)
        return response


def create_app(
    spec: ServiceSpec,
    *,
    routers: Sequence[APIRouter],
    title: str,
    description: str,
    runtime: ServiceRuntime | None = None,
) -> FastAPI:
    """Compose a service: its runtime in the lifespan, its routes, probes and error handling."""
    service_runtime = runtime or ServiceRuntime(spec)
    configure_logging(spec.settings.service_name, spec.settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service_runtime.start()
        try:
            yield
        finally:
            await service_runtime.stop()

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.runtime = service_runtime
    configure_tracing(
        spec.settings.service_name,
        exporter=spec.settings.otel_exporter,
        endpoint=spec.settings.otel_endpoint,
    )
    instrument_app(app)
    app.include_router(_probe_router())
    # These routers import this module's dependencies, hence the late imports.
    from shared.dashboard.cors import PeerCORS, peer_origins
    from shared.dashboard.router import router as dashboard_router
    from shared.docs_api import router as docs_router
    from shared.ops_api import control as ops_control
    from shared.ops_api import router as ops_router

    app.include_router(ops_router)
    app.include_router(ops_control)
    app.include_router(docs_router)
    app.include_router(dashboard_router)
    for router in routers:
        app.include_router(router)
    _install_error_handlers(app)
    _document_framework_answers(app)
    _install_metrics_middleware(app)
    # The overview page, served by any service, reads the others' probes, metrics and alerts.
    app.add_middleware(PeerCORS, origins=peer_origins(spec.settings.dashboard_peers))
    return app
