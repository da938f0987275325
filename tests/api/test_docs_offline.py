"""/docs and /redoc work without the Internet: every asset they load comes from this server."""

from __future__ import annotations

import re

import pytest

from tests.api.room import client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_documentation_pages_load_nothing_from_outside(base: str, page: str) -> None:
    async with client(base) as http:
        html = await http.get(page)
        assert html.status_code == 200
        referenced = re.findall(
            r"""(?:src|href)=["']([^"']+)["']|url: ?['"]([^'"]+)['"]""", html.text
        )
        urls = [u for pair in referenced for u in pair if u]
        assert not [u for u in urls if "//" in u], urls  # no absolute URL: no CDN, no fonts
        assert "cdn" not in html.text and "googleapis" not in html.text
        assets = [u for u in urls if u.startswith("/docs-assets/")]
        assert any(u.endswith(".js") for u in assets), urls
        for url in assets:
            asset = await http.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 1000, url
        assert (await http.get("/openapi.json")).status_code == 200
