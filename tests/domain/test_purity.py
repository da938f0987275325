"""The domain package must stay pure: no I/O framework reachable from its imports."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("asyncio", "sqlmodel", "sqlalchemy", "redis", "fastapi", "panoramisk", "websockets")


def test_domain_imports_no_io_library() -> None:
    # A fresh interpreter: what importing the domain drags in, and nothing else.
    code = (
        "import sys\n"
        "import callcenter.domain.lifecycle, callcenter.domain.call, callcenter.domain.events\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
