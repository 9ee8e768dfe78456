"""Every error as application/problem+json (RFC 9457), with Hosho's code, the field to blame and the clauses."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hosho.api.schemas import Problem
from hosho.certificates.pdf import CertificateFontError
from hosho.presentation.words import DEFAULT_LANGUAGE, error_detail, error_message, negotiate_language
from hosho.service.context import ServiceError

logger = logging.getLogger("hosho.api")

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://hosho.dev/problems/"
SOURCES = frozenset({"body", "query", "path", "header", "cookie"})
HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}

# Every code the service layer (and the domain beneath it) refuses with, and the HTTP status that says it. The one
# place a code becomes a status: a code missing here is a test failure (tests/unit/test_problem_statuses.py).
STATUSES: dict[str, int] = {
    "unauthorized": 401,
    "forbidden": 403,
    "throttled": 429,
    "not_found": 404,
    "no_page": 404,
    # The contract's state refuses the action, or another request got there first.
    "not_paid": 409,
    "already_paid": 409,
    "contract_cancelled": 409,
    "contract_not_active": 409,
    "no_open_case": 409,
    "case_already_repaired": 409,
    "item_not_arrived": 409,
    "not_in_review": 409,
    "review_already_decided": 409,
    "dispute_not_allowed": 409,
    "dispute_already_open": 409,
    "no_open_dispute": 409,
    "conflict": 409,
    "ambiguous": 409,
    "idempotency_conflict": 409,
    "certificate_unavailable": 409,
    # The request, or the terms, refuse it.
    "invalid_request": 422,
    "invalid_file": 422,  # a retailer's file that cannot be read at all (import.md)
    "invalid_contract": 422,
    "not_applicable": 422,
    "enrollment_window_closed": 422,
    "whole_system_required": 422,
    "mixed_service_modes": 422,
    "outside_service_area": 422,
    "invalid_bank_account": 422,
    "out_of_order": 422,
    "certificate_font": 500,
}
DESCRIPTIONS = {
    401: "No key, or a key that is unknown or revoked",
    403: "This key's role may not do this",
    404: "Not found, or not visible to this key's retailer",
    409: "The contract's state refuses this (unpaid, not active, already done)",
    422: "The request is invalid, or the terms refuse it (`code`, `field` and `clauses` say why)",
    500: "Unexpected error; it is logged, nothing of it is shown",
}


def problem_response(
    status: int,
    code: str,
    message: str | None = None,
    *,
    language: str = DEFAULT_LANGUAGE,
    field: str | None = None,
    clauses: Iterable[str] = (),
    params: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The problem in the client's language (words.py's catalogue): `title` is the code's sentence, `detail` the
    same with what is specific to this refusal (its values, the field, the clauses); `message` is the service's
    own English wording, which an English detail adds when the catalogue has no template for the values."""
    labels = list(clauses)
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": error_message(code, language),
        "status": status,
        "detail": error_detail(
            code,
            language,
            message=message,
            params=params,
            field=field,
            clauses=labels,
            more=max(len(errors) - 1, 0) if errors else 0,
        ),
        "code": code,
        "field": field,
        "clauses": labels,
    }
    if errors is not None:
        body["errors"] = errors
    answer_headers = {"Content-Language": language, "Vary": "Accept-Language", **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=answer_headers)


def language_of(request: Request) -> str:
    return negotiate_language(request.headers.get("accept-language"))


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems a route may answer with (app.py moves them to problem+json)."""
    return {status: {"model": Problem, "description": DESCRIPTIONS[status]} for status in statuses}


def dotted(location: Sequence[str | int]) -> str:
    """('body', 'equipment', 0, 'serial') → 'equipment.0.serial'; the source is named only when it is all."""
    parts = list(location)
    if len(parts) > 1 and parts[0] in SOURCES:
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


async def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    status = status_of(exc.code)
    headers = {"WWW-Authenticate": 'Bearer realm="hosho"'} if status == 401 else None
    errors = [{"field": field, "message": message, "type": exc.code} for field, message in exc.errors] or None
    return problem_response(
        status,
        exc.code,
        exc.message,
        language=language_of(request),
        field=exc.field,
        clauses=exc.clauses,
        params=exc.params,
        errors=errors,
        headers=headers,
    )


def status_of(code: str) -> int:
    """The HTTP status of a service error's code; an unknown code is a bug, answered as one (and logged)."""
    status = STATUSES.get(code)
    if status is None:
        logger.error("no HTTP status for service error code %r", code)
        return 500
    return status


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only location, message and type: pydantic's `input` would echo the body (names, phones) back.
    errors = [
        {
            "field": "body" if error.get("type") == "json_invalid" else dotted(_untagged(error, exc)),
            "message": str(error.get("msg", "invalid")),
            "type": str(error.get("type", "invalid")),
        }
        for error in exc.errors()
    ]
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    message = f"{first['field']}: {first['message']}" if first["field"] else str(first["message"])
    return problem_response(
        422, "invalid_request", message, language=language_of(request), field=first["field"], errors=errors
    )


def _untagged(error: Mapping[str, Any], exc: RequestValidationError) -> Sequence[str | int]:
    """A body of a tagged union (a case event) is located by its fields, not by pydantic's tag: `amount`, not
    `estimate.amount`; a missing or unknown tag is the tag's field (`kind`)."""
    location = tuple(error.get("loc", ()))
    if error.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        return (*location, str(error.get("ctx", {}).get("discriminator", "")).strip("'"))
    body = getattr(exc, "body", None)
    if len(location) > 2 and location[0] == "body" and isinstance(body, dict) and location[1] == body.get("kind"):
        return (location[0], *location[2:])
    return location


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's answer to a body it cannot decode (not UTF-8, say): the same problem as malformed JSON.
        return problem_response(
            422, "invalid_request", "the body cannot be read as JSON", language=language_of(request), field="body"
        )
    code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    params = dict(getattr(exc, "params", None) or {})
    if exc.status_code in (404, 405):
        detail = f"no route {request.method} {request.url.path}"
        params.update(method=request.method, path=request.url.path)
    else:
        detail = str(exc.detail)
    return problem_response(
        exc.status_code, code, detail, language=language_of(request), params=params, headers=exc.headers
    )


async def _stale(request: Request, exc: Exception) -> JSONResponse:
    # Optimistic locking: another request changed the contract between this one's read and its write.
    return problem_response(
        409,
        "conflict",
        "the contract was changed by another request; read it again and retry",
        language=language_of(request),
    )


async def _no_font(request: Request, exc: Exception) -> JSONResponse:
    logger.error("certificate not rendered: %s", exc)  # names the font file and package, nothing personal
    return problem_response(
        500,
        "certificate_font",
        "the certificate cannot be rendered: no Japanese font installed",
        language=language_of(request),
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale)
    app.add_exception_handler(CertificateFontError, _no_font)
