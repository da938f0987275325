"""Which peers may tell us a client's address: uvicorn's proxy-header options from settings.

uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 unless told otherwise (and reads
``FORWARDED_ALLOW_IPS`` from the environment), so a local client could claim any address and
walk past the per-address login limit. Here nothing is believed unless ``api.trusted_proxies``
names the proxy: the options are always passed explicitly, never left to uvicorn's defaults.
"""

from __future__ import annotations

from typing import Any

from callcenter.settings import ApiSettings


def proxy_options(api: ApiSettings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config``."""
    if not api.trusted_proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": []}
    return {"proxy_headers": True, "forwarded_allow_ips": list(api.trusted_proxies)}
