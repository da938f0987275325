"""Servers of our own for fault tests: a PostgreSQL and a ``redis-server`` on free ports that a
test may stop (cleanly or with SIGKILL) and start again on the same port with the same data.

The machine's shared servers (PostgreSQL 5432, Redis 6379) are never touched. PostgreSQL is a
fresh cluster (``initdb``, trust authentication, ``fsync=off``) in a temporary folder, run as the
``postgres`` user when the tests run as root (``runuser``), as the current user otherwise. Redis
keeps no data on disk (``save ""``, no AOF): a restarted Redis is empty, as after a crash
without persistence.

Start, stop and restart block (``pg_ctl -w``, a port poll): from async code call them through
``asyncio.to_thread`` when the event loop must keep running meanwhile.

Fixtures: ``own_postgres`` and ``own_redis`` (function scope; import them into a
``conftest.py``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("CALLCENTER_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, *, up: bool, timeout: float = 20.0) -> None:
    """Until 127.0.0.1:``port`` accepts connections (``up``) or refuses them."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                accepting = True
        except OSError:
            accepting = False
        if accepting == up:
            return
        if time.monotonic() > deadline:
            state = "accept" if up else "refuse"
            raise TimeoutError(f"port {port} did not {state} connections in {timeout} s")
        time.sleep(0.05)


class OwnPostgres:
    """A PostgreSQL 15 cluster of our own on ``port``; ``url`` is the ``postgres`` database."""

    def __init__(self, root: Path | None = None, port: int | None = None) -> None:
        self.root = Path(root or tempfile.mkdtemp(prefix="cc-own-pg-"))
        self.port = port or free_port()
        self.data = self.root / "data"
        self.logfile = self.root / "postgres.log"
        self.as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        """Async SQLAlchemy URL of the ``postgres`` database (trust, user ``postgres``)."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def dsn(self) -> str:
        """asyncpg/libpq DSN of the ``postgres`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stdout}{done.stderr}")

    def init(self) -> None:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def start(self) -> None:
        """Start it (a no-op if it runs)."""
        if self.running:
            return
        if not (self.data / "PG_VERSION").exists():
            self.init()
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.logfile),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        wait_port(self.port, up=True)

    def stop(self, mode: str = "fast") -> None:
        """``fast``: disconnect clients and shut down; ``immediate``: as a crash (no checkpoint)."""
        if not self.running:
            return
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        wait_port(self.port, up=False)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class OwnRedis:
    """A ``redis-server`` of our own on ``port``, no persistence."""

    def __init__(self, root: Path | None = None, port: int | None = None) -> None:
        self.root = Path(root or tempfile.mkdtemp(prefix="cc-own-redis-"))
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        log = open(self.root / "redis.log", "ab")  # noqa: SIM115 - the server keeps it
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_port(self.port, up=True)

    def stop(self, *, kill: bool = False) -> None:
        """SIGTERM (a clean shutdown) or, with ``kill``, SIGKILL (a crash)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        process.wait(timeout=20)
        wait_port(self.port, up=False)

    def restart(self, *, kill: bool = False) -> None:
        self.stop(kill=kill)
        self.start()

    def destroy(self) -> None:
        try:
            self.stop(kill=True)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    """A started PostgreSQL of this test's own (stop/start/restart it freely)."""
    server = OwnPostgres()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    """A started ``redis-server`` of this test's own (stop/start/restart it freely)."""
    server = OwnRedis()
    try:
        server.start()
        yield server
    finally:
        server.destroy()
