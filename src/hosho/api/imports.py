"""Retailer files through the API (import.md): upload a CSV, follow its import, fetch its rejected lines.

The upload is read only once its key is checked, up to the import's own size limit (hosho.api.limits); a file that
cannot be read is refused at once (422 `invalid_file`, naming the line). The file is stored with its run and its
contracts are imported by a job on the queue (hosho.service.import_jobs; `hosho worker` on PostgreSQL) while
`GET /v1/imports/{import_id}` shows the progress. A retailer key imports only its own lines and sees only its own
imports.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Path, Query, Request, Response

from hosho.api.auth import CurrentActor, HoshoDep
from hosho.api.limits import max_body_bytes
from hosho.api.problems import responses
from hosho.service import import_jobs, imports
from hosho.service.commands import ID_MAX
from hosho.service.context import not_found
from hosho.service.results import ImportRun

router = APIRouter(tags=["imports"], responses=responses(401, 403, 404, 409, 422, 500))

ImportId = Annotated[int, Path(ge=1, le=ID_MAX, description="The import's id")]
CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The retailer's file as it is (UTF-8 or CP932), at most 1 GiB",
    }
}


@router.post(
    "/imports",
    status_code=202,
    response_model=ImportRun,
    operation_id="createImport",
    summary="Import a retailer's CSV file",
    description="The file is the body (import.md). Refused at once when it cannot be read (`invalid_file`, with the "
    "line); otherwise its contracts are imported in the background: follow `GET /v1/imports/{import_id}`.",
    openapi_extra=CSV_BODY,
)
@max_body_bytes(imports.MAX_FILE_BYTES)
async def create_import(
    request: Request,
    hosho: HoshoDep,
    actor: CurrentActor,
    file_name: Annotated[
        str, Query(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f/\\]+$", description="Shown in messages")
    ] = "upload.csv",
    retailer: Annotated[
        str | None, Query(min_length=1, max_length=40, description="Import only this retailer's lines")
    ] = None,
) -> ImportRun:
    data = await request.body()
    return await anyio.to_thread.run_sync(
        partial(import_jobs.start, hosho, actor, name=file_name, data=data, retailer=retailer)
    )


@router.get(
    "/imports/{import_id}",
    response_model=ImportRun,
    operation_id="getImport",
    summary="An import's progress and result",
    description="`state` running (lines_done of lines read so far), done or failed; the counts of contracts "
    "imported, already imported and rejected (with their lines). A retailer key sees only its own imports.",
)
def get_import(import_id: ImportId, hosho: HoshoDep, actor: CurrentActor) -> ImportRun:
    return imports.get_run(hosho, actor, import_id)


@router.get(
    "/imports/{import_id}/rejects",
    operation_id="getImportRejects",
    summary="The rejected lines of a finished import",
    description="The file's rejected lines in its own encoding, with 行番号, 項目, エラー, 内容 (import.md). 404 when "
    "no line was rejected; 409 while the import is running.",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}}}},
)
def get_import_rejects(import_id: ImportId, hosho: HoshoDep, actor: CurrentActor) -> Response:
    data = imports.rejected_lines(hosho, actor, import_id)
    if data is None:
        raise not_found(f"rejected lines of import {import_id}")
    return Response(
        data,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-rejects.csv"'},
    )
