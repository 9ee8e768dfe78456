"""The REST API under /v1: `create_app(hosho)` builds it; nothing happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hosho.api import calendars, cases, contracts, notices, programs, refunds
from hosho.api.access import AccessLog
from hosho.api.auth import KeyCache
from hosho.api.problems import MEDIA_TYPE, install
from hosho.api.schemas import Health
from hosho.programs.catalog import Vocabulary
from hosho.service.context import Hosho

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
    {"name": "notices", "description": "Notices the daily work produces: certificate, consumables, end of cover, SLA"},
]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The requests beyond THREADS wait on the event loop, in order.
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    yield


def create_app(hosho: Hosho) -> FastAPI:
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
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        openapi_tags=TAGS,
    )
    app.state.hosho = hosho
    app.state.keys = KeyCache(hosho)
    install(app)
    app.add_middleware(AccessLog, prefix=PREFIX)

    @app.get(f"{PREFIX}/health", tags=["health"], summary="Liveness", response_model=Health)
    async def health() -> dict[str, str]:
        """Answers without authentication and without touching the database."""
        return {"status": "ok"}

    for module in (programs, calendars, contracts, cases, refunds, notices):
        app.include_router(module.router, prefix=PREFIX)

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
    properties = schema.get("components", {}).get("schemas", {}).get("RepairRequestIn", {}).get("properties", {})
    for name, words in (("cause", vocabulary.causes), ("part", vocabulary.parts), ("claim", vocabulary.claims)):
        prop = properties.get(name)
        if prop is None:
            continue
        target = next((option for option in prop.get("anyOf", []) if option.get("type") == "string"), prop)
        target["enum"] = list(words)
        target["x-enum-descriptions"] = list(words.values())
