"""The REST API under /v1: `create_app(hosho)` builds it; nothing happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hosho.api import calendars, cases, contracts, figures, imports, notices, payouts, programs, refunds
from hosho.api.access import AccessLog, ApiRoutes
from hosho.api.auth import KeyCache
from hosho.api.docs import mount_docs
from hosho.api.limits import BodyGate
from hosho.api.problems import MEDIA_TYPE, install
from hosho.api.schemas import Health, Problem
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
    {"name": "figures", "description": "The operations dashboard's figures as JSON and CSV: SLA, cases, refunds, loss"},
    {"name": "imports", "description": "Retailers' CSV files: upload, progress, rejected lines"},
]


SERVERS = [{"url": "http://127.0.0.1:8000", "description": "`hosho serve` on this machine (its default port)"}]
CONTACT = {"name": "Hosho API", "url": "https://hosho.dev/", "email": "api@hosho.dev"}
LICENSE = {"name": "Proprietary", "identifier": "LicenseRef-Hosho-Proprietary"}
# Enum schemas named after a domain class whose name alone says too little in a client.
RENAMED_SCHEMAS = {"Status": "ContractStatus"}


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
            "dates are ISO 8601, times JST. Errors are application/problem+json with `code`, `field` and `clauses`; "
            "their `title` and `detail` are in Japanese, or in English with `Accept-Language: en`."
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

    @app.get(
        f"{PREFIX}/health",
        operation_id="getHealth",
        tags=["health"],
        summary="Liveness",
        response_model=Health,
        openapi_extra={"security": []},  # the one route that needs no key
        responses={"4XX": {"model": Problem, "description": "Any refusal (a body too large, say) is a problem"}},
    )
    async def health() -> dict[str, str]:
        """Answers without authentication and without touching the database."""
        return {"status": "ok"}

    mount_docs(app, url=f"{PREFIX}/docs", openapi_url=f"{PREFIX}/openapi.json")
    for module in (programs, calendars, contracts, cases, refunds, payouts, notices, figures, imports):
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
                servers=SERVERS,
                contact=CONTACT,
                license_info=LICENSE,
            )
            _rename_schemas(schema, RENAMED_SCHEMAS)
            _tags_required(schema)
            _date_bounds_described(schema)
            _problems_as_problem_json(schema)
            _vocabulary_enums(schema, hosho.rules.catalog.vocabulary)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _tags_required(schema: dict[str, Any]) -> None:
    """A tagged union's members require their tag (pydantic refuses a body without it, whatever its default), so
    the members are told apart by it: `kind` is required in each schema a discriminator maps to."""
    components = schema.get("components", {}).get("schemas", {})

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            discriminator = node.get("discriminator")
            if isinstance(discriminator, dict):
                tag = discriminator.get("propertyName")
                for ref in discriminator.get("mapping", {}).values():
                    member = components.get(ref.rsplit("/", 1)[-1])
                    if member is not None and tag and tag not in member.setdefault("required", []):
                        member["required"].insert(0, tag)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)


def _date_bounds_described(schema: dict[str, Any]) -> None:
    """pydantic writes a date's bounds as `ge`/`le`, which JSON Schema does not know: said in the description."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("format") == "date" and ("ge" in node or "le" in node):
                first, last = node.pop("ge", None), node.pop("le", None)
                bounds = f"From {first or 'any day'} to {last or 'any day'}."
                node["description"] = f"{node['description']} {bounds}" if node.get("description") else bounds
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)


def _rename_schemas(schema: dict[str, Any], names: dict[str, str]) -> None:
    """Rename components (and every $ref to them): pydantic names an enum's schema after its class."""
    components = schema.get("components", {}).get("schemas", {})
    for old, new in names.items():
        if old in components:
            components[new] = components.pop(old)
    refs = {f"#/components/schemas/{old}": f"#/components/schemas/{new}" for old, new in names.items()}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref in refs:
                node["$ref"] = refs[ref]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)


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
