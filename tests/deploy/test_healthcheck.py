"""The callcenter image's HEALTHCHECK (deploy/healthcheck.py) against a real HTTP server: healthy
exactly when /readyz answers 200."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from tests.deploy import stack

SCRIPT = stack.ROOT / "deploy" / "healthcheck.py"


class Readyz(http.server.BaseHTTPRequestHandler):
    status = 200
    paths: list[str] = []  # noqa: RUF012 - shared with the test on purpose

    def do_GET(self) -> None:
        Readyz.paths.append(self.path)
        self.send_response(Readyz.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "x"}')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Readyz)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Readyz.paths.clear()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def check(port: int, host: str | None = None) -> int:
    env = {"PATH": os.environ["PATH"], "CALLCENTER_API__PORT": str(port)}
    if host is not None:
        env["CALLCENTER_API__HOST"] = host
    return subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, timeout=30, check=False
    ).returncode


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False), (500, False)])
def test_healthy_only_when_readyz_is_200(server: int, status: int, healthy: bool) -> None:
    Readyz.status = status
    assert (check(server) == 0) is healthy
    assert Readyz.paths == ["/readyz"]


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_asks_where_the_api_listens(server: int, host: str) -> None:
    """callcenter binds its backend address in the stack, api replicas every interface."""
    Readyz.status = 200
    assert check(server, host) == 0
    assert check(server, "127.0.0.2") == 1  # not where the server listens


def test_unhealthy_when_nothing_listens() -> None:
    with socket.socket() as probe:  # a port bound, then released: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    assert check(port) == 1
