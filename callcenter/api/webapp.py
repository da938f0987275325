"""Serves the built web app (the room's screens) next to the API.

Vite builds ``web/`` into a directory (``callcenter/webapp/`` by default, ``api.web_dir`` in
settings) holding ``index.html`` and ``assets/``. This module adds, after every API route so
none of them is shadowed:

- ``/assets/<file>``: the built files, cached for good (Vite puts a content hash in each name);
- the screens' paths (``/``, ``/dispatch``, ``/wallboard``, ``/audit`` and ``/audit/...``):
  ``index.html``, never cached, so a new build is picked up at the next load.

Every other path stays the API's. The routes are plain Starlette routes: static files, outside
the API's role matrix and its OpenAPI schema (the app logs in by itself over the API). When the
app is not built, those paths answer 503 with a short page saying how to build it; the
directory is looked at on each request, so a build made while the server runs is served at once.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

SPA_PATHS = ("/", "/dispatch", "/wallboard", "/audit", "/audit/{rest:path}")
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>callcenter</title></head>
<body><p>the web app is not built: run scripts/build-web</p>
<p>The API is available: <a href="/docs">/docs</a>.</p></body></html>
"""
IMMUTABLE = "public, max-age=31536000, immutable"


def default_web_dir() -> Path:
    """The package's own ``webapp/`` (filled by ``scripts/build-web``)."""
    return Path(__file__).resolve().parent.parent / "webapp"


def not_built() -> HTMLResponse:
    return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})


def mount_web_app(app: FastAPI, web_dir: Path | None) -> None:
    """Add the web app's routes to ``app`` (call after the API's routers)."""
    root = (web_dir or default_web_dir()).resolve()

    async def index(_request: Request) -> Response:
        page = root / "index.html"
        if not page.is_file():
            return not_built()
        return FileResponse(page, media_type="text/html", headers={"Cache-Control": "no-cache"})

    async def asset(request: Request) -> Response:
        if not (root / "index.html").is_file():
            return not_built()
        assets = (root / "assets").resolve()
        wanted = (assets / str(request.path_params["path"])).resolve()
        if not wanted.is_relative_to(assets) or not wanted.is_file():
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(wanted, headers={"Cache-Control": IMMUTABLE})

    for path in SPA_PATHS:
        app.add_route(path, index, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_route("/assets/{path:path}", asset, methods=["GET", "HEAD"], include_in_schema=False)
