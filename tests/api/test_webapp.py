"""The built web app is served at the screens' paths; the API keeps every other path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.live.memory import MemoryLog
from callcenter.settings import ApiSettings
from callcenter.storage.store import TimelineStore
from tests.api.room import build_room, client, serve

INDEX = "<!doctype html><title>room</title><div id=app></div>"


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    web = tmp_path / "webapp"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text(INDEX)
    (web / "assets" / "x.js").write_text("console.log('room')")
    (tmp_path / "secret.txt").write_text("outside the web dir")
    return web


async def _base(store: TimelineStore, web_dir: Path) -> AsyncIterator[str]:
    room = await build_room(store, MemoryLog(), api=ApiSettings(web_dir=web_dir))
    async with serve(room.app) as url:
        yield url


@pytest.fixture
async def built(sqlite_store: TimelineStore, web_dir: Path) -> AsyncIterator[str]:
    async for url in _base(sqlite_store, web_dir):
        yield url


@pytest.fixture
async def unbuilt(sqlite_store: TimelineStore, tmp_path: Path) -> AsyncIterator[str]:
    async for url in _base(sqlite_store, tmp_path / "nothing-here"):
        yield url


async def test_screens_get_index_html_uncached(built: str) -> None:
    async with client(built) as http:
        for path in ("/", "/dispatch", "/wallboard", "/audit", "/audit/calls/1732240000.101"):
            r = await http.get(path)
            assert r.status_code == 200, path
            assert r.text == INDEX
            assert r.headers["content-type"].startswith("text/html")
            assert r.headers["cache-control"] == "no-cache"


async def test_assets_are_served_and_cached(built: str) -> None:
    async with client(built) as http:
        r = await http.get("/assets/x.js")
        assert r.status_code == 200 and r.text == "console.log('room')"
        assert "javascript" in r.headers["content-type"]
        assert "immutable" in r.headers["cache-control"]
        assert (await http.get("/assets/missing.js")).status_code == 404
        # No way out of the assets directory.
        for sneaky in ("/assets/../index.html", "/assets/%2e%2e/%2e%2e/secret.txt"):
            r = await http.get(sneaky)
            assert "outside the web dir" not in r.text
            assert r.status_code in (404, 200) and (r.status_code == 404 or r.text == INDEX)


async def test_the_api_is_not_shadowed(built: str) -> None:
    async with client(built) as http:
        # API routes under the screens' prefixes still answer as the API (no token: 401).
        assert (await http.get("/dispatch/tickets")).status_code == 401
        assert (await http.get("/audit/export")).status_code == 401
        assert (await http.get("/audit/access-log")).status_code == 401
        r = await http.get("/audit/calls/x/timeline")
        assert r.status_code == 401 and r.json()["detail"] == "not authenticated"
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/docs")).status_code == 200
        paths = (await http.get("/openapi.json")).json()["paths"]
        assert "/" not in paths and "/assets/{path}" not in paths
        # Unknown paths are the API's 404, not the app.
        assert (await http.get("/no-such-screen")).status_code == 404


async def test_not_built_answers_503_with_how_to_build(unbuilt: str) -> None:
    async with client(unbuilt) as http:
        for path in ("/", "/dispatch", "/audit/x", "/assets/x.js"):
            r = await http.get(path)
            assert r.status_code == 503, path
            assert r.headers["content-type"].startswith("text/html")
            assert "the web app is not built: run scripts/build-web" in r.text.lower()
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/docs")).status_code == 200
