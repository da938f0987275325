"""The callcenter image's HEALTHCHECK: exit 0 when ``GET /readyz`` answers 200.

``/readyz`` is 503 while the database, Redis or (bridge, ``--role all``) AMI is down, so the
container shows ``unhealthy`` for as long as the room cannot follow its calls. Standard library
only: the final image has no curl. The port is ``CALLCENTER_API__PORT`` (8000 by default).
"""

import os
import sys
import urllib.error
import urllib.request

port = os.environ.get("CALLCENTER_API__PORT", "8000")
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except (urllib.error.URLError, OSError) as exc:  # HTTPError (503) is a URLError
    print(f"readyz: {exc}", file=sys.stderr)
    sys.exit(1)
