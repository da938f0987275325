"""The callcenter image's HEALTHCHECK: exit 0 when ``GET /readyz`` answers 200.

``/readyz`` is 503 while the database, Redis or (bridge, ``--role all``) AMI is down, so the
container shows ``unhealthy`` for as long as the room cannot follow its calls. Standard library
only: the final image has no curl. It asks where the API listens: ``CALLCENTER_API__HOST``
(the loopback when that is every interface) and ``CALLCENTER_API__PORT`` (8000 by default).
"""

import os
import sys
import urllib.error
import urllib.request

host = os.environ.get("CALLCENTER_API__HOST", "127.0.0.1")
if host in ("", "0.0.0.0", "::"):
    host = "127.0.0.1"
port = os.environ.get("CALLCENTER_API__PORT", "8000")
try:
    with urllib.request.urlopen(f"http://{host}:{port}/readyz", timeout=3) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except (urllib.error.URLError, OSError) as exc:  # HTTPError (503) is a URLError
    print(f"readyz: {exc}", file=sys.stderr)
    sys.exit(1)
