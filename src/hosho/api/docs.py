"""`/v1/docs`: Swagger UI served from the package (swagger-ui-bundle-v2, pinned), so the docs work offline."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path


def mount_docs(app: FastAPI, *, url: str, openapi_url: str) -> None:
    """Swagger UI at `url`, its script, stylesheet and icon under `url`/static, nothing from another host."""
    assets = f"{url}/static"

    @app.get(url, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
        )

    app.mount(assets, StaticFiles(directory=Path(str(swagger_ui_path))), name="swagger-ui")
