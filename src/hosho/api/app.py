"""The REST API under /v1: `create_app(hosho)` builds it; nothing happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hosho.api import calendars, cases, contracts, imports, notices, payouts, programs, refunds
from hosho.api.access import AccessLog, ApiRoutes
from hosho.api.auth import KeyCache
from hosho.api.docs import mount_docs
from hosho.api.limits import BodyGate
from hosho.api.problems import MEDIA_TYPE, install
from hosho.api.schemas import Health
from hosho.programs.catalog import Vocabulary
from hosho.service.context import Hosho
from hosho.settings import DEFAULT_MAX_BODY_BYTES

PREFIX = "/v1"
# Sync endpoints (the service layer) of one process running at once. Few: they share one GIL, and more threads
# only lengthen the queue behind it (measured: 2 gave the best throughput and p99, benchmarks/bench_service.py).
THREADS = 2
TAGS = [
    {"name": "health", "description": "Liveness, without authentication or database"},
    {"name": "programs", "description": "Programs, their versions, plans, parameters and clauses (terms as data)"},
    {"name": "contracts", "description": "Enrolment, payment and certificate, search, changes during the contract"},
    {"name": "cases", "description": "Repair requests decided with the clauses they rest on, and the repair desk"},
    {"name": "refunds", "description": "Refund preview and cancellation by the terms' table"},
    {"name": "payouts", "description": "Refunds paid by Zengin 総合振込 file: accounts, batches, the bank's answer"},
    {"name": "notices", "description": "Notices the daily work produces: certificate, consumables, end of cover, SLA"},
    {"name": "imports", "description": "Retailers' CSV files: upload, progress, rejected lines"},
]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The requests beyond THREADS wait on the event loop, in order.
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    yield


def create_app(hosho: Hosho, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> FastAPI:
    """The API; the console, when mounted on it (hosho.console.mount_console), shares its log and body limit."""
    app = FastAPI(
        lifespan=_lifespan,
        title="Hosho",
        version="1",
        summary="Extended-warranty (延長保証) and maintenance-pack (保守パック) contracts",
        description=(
            "Every decision names the clauses (labels and Japanese text) it rests on. Money is integer yen; "
            "dates are ISO 8601, times JST. Errors are application/problem+json with `code`, `field` and `clauses`."
        ),
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,  # mount_docs: served from the package, not a CDN
        redoc_url=None,
        openapi_tags=TAGS,
    )
    app.state.hosho = hosho
    app.state.keys = KeyCache(hosho)
    install(app)
    routes = ApiRoutes()
    app.add_middleware(BodyGate, routes=routes, limit=max_body_bytes)
    app.add_middleware(AccessLog, routes=routes)  # added last: the outer one, so it logs the gate's refusals too

    @app.get(f"{PREFIX}/health", tags=["health"], summary="Liveness", response_model=Health)
    async def health() -> dict[str, str]:
        """Answers without authentication and without touching the database."""
        return {"status": "ok"}

    mount_docs(app, url=f"{PREFIX}/docs", openapi_url=f"{PREFIX}/openapi.json")
    for module in (programs, calendars, contracts, cases, refunds, payouts, notices, imports):
        app.include_router(module.router, prefix=PREFIX)
        routes.include(module.router, PREFIX)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            _problems_as_problem_json(schema)
            _vocabulary_enums(schema, hosho.rules.catalog.vocabulary)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _problems_as_problem_json(schema: dict[str, Any]) -> None:
    """FastAPI documents every response as application/json; problems are served as application/problem+json."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content[MEDIA_TYPE] = content.pop("application/json")


def _vocabulary_enums(schema: dict[str, Any], vocabulary: Vocabulary) -> None:
    """The words a repair request may use come from vocabulary.yaml (data, read when the app is built)."""
    properties = schema.get("components", {}).get("schemas", {}).get("RequestRepair", {}).get("properties", {})
    for name, words in (("cause", vocabulary.causes), ("part", vocabulary.parts), ("claim", vocabulary.claims)):
        prop = properties.get(name)
        if prop is None:
            continue
        target = next((option for option in prop.get("anyOf", []) if option.get("type") == "string"), prop)
        target["enum"] = list(words)
        target["x-enum-descriptions"] = list(words.values())
