"""The 取り込み page: a retailer's CSV file uploaded, its progress, its result and its rejected lines to download.

The file is stored with its run and imported by a job on the queue (hosho.service.import_jobs); the run's page
shows a progress bar and reloads itself every two seconds until the import is done.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, File, Path, Request, UploadFile
from starlette.responses import Response

from hosho.console.app import RefusedBeforeBody, SignedIn, console_of, redirect
from hosho.console.security import same_origin
from hosho.service import import_jobs, imports
from hosho.service.commands import ID_MAX
from hosho.service.context import ServiceError, not_found
from hosho.service.contracts import WRITERS

# The console's upload has the API's body limit (hosho.api.limits reads these attributes of the endpoint): the
# gate checks the signed-in user, its role and the browser's origin before any byte of the body is read (the CSRF
# token, in the form, is checked once it is read), so a stranger cannot make the server read a large body.
LIMIT_ATTRIBUTE = "hosho_max_body_bytes"
BEFORE_BODY_ATTRIBUTE = "hosho_before_body"
CONSOLE_MAX_BYTES = imports.MAX_FILE_BYTES
ImportId = Annotated[int, Path(ge=1, le=ID_MAX)]


def routes(router: APIRouter) -> None:
    @router.get("/imports", name="console.imports")
    def show(request: Request, op: SignedIn) -> Response:
        op.require(WRITERS)
        return op.render(request, "imports.html", {"nav": "imports", "problem": None, "limit": CONSOLE_MAX_BYTES})

    async def upload(request: Request, op: SignedIn, file: Annotated[UploadFile, File()]) -> Response:
        op.require(WRITERS)
        data = await file.read()
        name = (file.filename or "upload.csv").rsplit("/", 1)[-1][-255:] or "upload.csv"
        try:
            started = await anyio.to_thread.run_sync(
                partial(import_jobs.start, op.hosho, op.actor, name=name, data=data)
            )
        except ServiceError as error:
            if error.code != "invalid_file":
                raise
            context = {"nav": "imports", "problem": error.message, "limit": CONSOLE_MAX_BYTES}
            return op.render(request, "imports.html", context, status=422)
        return redirect(f"/console/imports/{started.id}")

    setattr(upload, LIMIT_ATTRIBUTE, CONSOLE_MAX_BYTES)
    setattr(upload, BEFORE_BODY_ATTRIBUTE, _writer_first)
    router.post("/imports", name="console.imports.upload")(upload)

    @router.get("/imports/{import_id}", name="console.imports.run")
    def run(request: Request, op: SignedIn, import_id: ImportId) -> Response:
        shown = imports.get_run(op.hosho, op.actor, import_id)
        return op.render(request, "import_run.html", {"nav": "imports", "run": shown})

    @router.get("/imports/{import_id}/rejects", name="console.imports.rejects")
    def rejects(op: SignedIn, import_id: ImportId) -> Response:
        data = imports.rejected_lines(op.hosho, op.actor, import_id)
        if data is None:
            raise not_found(f"rejected lines of import {import_id}")
        disposition = f'attachment; filename="import-{import_id}-rejects.csv"'
        return Response(data, media_type="text/csv", headers={"Content-Disposition": disposition})


async def _writer_first(request: Request) -> None:
    """Before the upload's body is read: a signed-in user who may import, from this server's own pages."""
    operator = await anyio.to_thread.run_sync(console_of(request).operator, request)
    if operator is None:
        raise RefusedBeforeBody("sign_in")
    if not operator.may(WRITERS):
        raise RefusedBeforeBody("forbidden")
    if not same_origin(request):
        raise RefusedBeforeBody("csrf")
