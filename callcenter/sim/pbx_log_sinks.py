"""Where the simulator's Asterisk logs (``pbx_logs``) go: the ``queue_log`` file and the
``queue_log`` / ``cel`` tables, behind one small protocol (``LogSink``).

- ``QueueLogFile``: Asterisk's file format, one ``epoch|callid|queue|agent|event|data`` line per
  row, appended (``/var/log/asterisk/queue_log`` on a PBX; the demo writes
  ``<data_dir>/queue_log``). CEL rows have no file here.
- ``SqlTables``: SQLAlchemy Core inserts into ``queue_log`` and ``cel`` with Asterisk's column
  names and types (``callcenter/pbxlog/tables.py``, the one definition the bridge reads too).
  The tables are not created here: callcenter's migration 0008_pbx_log creates them, as on a
  real PBX (Asterisk only needs the connection).

``LogWriter`` is the ``RowSink`` the simulation writes to: it only appends to memory, and a
background task hands the rows to every sink every ``interval`` seconds, so writing never
slows the simulation, and a sink that fails (database down, disk full) never breaks it: its
rows wait (up to ``max_pending`` per sink, then new rows are dropped and counted) and go at the
next flush, in order. ``stats`` counts what each sink wrote, failed and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from callcenter.pbxlog.tables import CEL, QUEUE_LOG
from callcenter.sim.pbx_logs import CelRow, QueueLogRow

log = logging.getLogger(__name__)


class LogSink(Protocol):
    name: str

    async def write(self, queue_log: Sequence[QueueLogRow], cel: Sequence[CelRow]) -> None:
        """Store the rows, in order; raise if they were not stored (they are sent again)."""
        ...

    async def close(self) -> None: ...


class QueueLogFile:
    """Appends queue_log rows to ``path`` in Asterisk's file format."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"file {path}"

    async def write(self, queue_log: Sequence[QueueLogRow], cel: Sequence[CelRow]) -> None:
        if queue_log:
            text = "".join(row.file_line() + "\n" for row in queue_log)
            await asyncio.to_thread(self._append, text)

    def _append(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(text)

    async def close(self) -> None:
        return None


class SqlTables:
    """Inserts into the ``queue_log`` and ``cel`` tables of ``engine``'s database."""

    def __init__(self, engine: AsyncEngine, *, owned: bool = False) -> None:
        self.engine = engine
        self.owned = owned
        self.name = f"tables {engine.url.render_as_string(hide_password=True)}"

    @classmethod
    def from_url(cls, url: str) -> SqlTables:
        return cls(create_async_engine(url, pool_pre_ping=True), owned=True)

    async def write(self, queue_log: Sequence[QueueLogRow], cel: Sequence[CelRow]) -> None:
        async with asyncio.timeout(30), self.engine.begin() as conn:
            if queue_log:
                await conn.execute(insert(QUEUE_LOG), [r.columns() for r in queue_log])
            if cel:
                await conn.execute(insert(CEL), [r.columns() for r in cel])

    async def close(self) -> None:
        if self.owned:
            await self.engine.dispose()


@dataclass
class SinkStats:
    queue_log_written: int = 0
    cel_written: int = 0
    errors: int = 0
    dropped: int = 0
    pending: int = 0


@dataclass
class _Pending:
    sink: LogSink
    queue_log: list[QueueLogRow] = field(default_factory=list)
    cel: list[CelRow] = field(default_factory=list)
    stats: SinkStats = field(default_factory=SinkStats)


class LogWriter:
    """A ``RowSink`` that buffers rows in memory and flushes them to ``sinks`` in the background
    (``start``/``close``, or ``flush`` by hand)."""

    def __init__(
        self, sinks: Sequence[LogSink], *, interval: float = 0.5, max_pending: int = 200_000
    ) -> None:
        self.interval = interval
        self.max_pending = max_pending
        self._pending = [_Pending(sink) for sink in sinks]
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()

    @property
    def stats(self) -> dict[str, SinkStats]:
        for p in self._pending:
            p.stats.pending = len(p.queue_log) + len(p.cel)
        return {p.sink.name: p.stats for p in self._pending}

    def queue_log(self, row: QueueLogRow) -> None:
        for p in self._pending:
            if self._room(p):
                p.queue_log.append(row)

    def cel(self, row: CelRow) -> None:
        for p in self._pending:
            if self._room(p):
                p.cel.append(row)

    def _room(self, p: _Pending) -> bool:
        if len(p.queue_log) + len(p.cel) < self.max_pending:
            return True
        p.stats.dropped += 1
        if p.stats.dropped == 1 or p.stats.dropped % 10_000 == 0:
            log.error("%s: %d rows waiting, new rows dropped (%d)", p.sink.name,
                      self.max_pending, p.stats.dropped)  # fmt: skip
        return False

    async def flush(self) -> None:
        """Hand every waiting row to its sink; a sink that fails keeps its rows for next time."""
        async with self._lock:
            for p in self._pending:
                queue_log, cel = p.queue_log, p.cel
                if not queue_log and not cel:
                    continue
                p.queue_log, p.cel = [], []
                try:
                    await p.sink.write(queue_log, cel)
                except BaseException as error:
                    p.queue_log, p.cel = queue_log + p.queue_log, cel + p.cel
                    if not isinstance(error, Exception):
                        raise  # cancelled: the rows wait for the next flush
                    p.stats.errors += 1
                    if p.stats.errors == 1 or p.stats.errors % 100 == 0:
                        rows, tries = len(queue_log) + len(cel), p.stats.errors
                        log.warning("%s: could not write %d rows (try %d)", p.sink.name, rows,
                                    tries, exc_info=True)  # fmt: skip
                    continue
                p.stats.queue_log_written += len(queue_log)
                p.stats.cel_written += len(cel)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="pbx-logs")

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            await self.flush()

    async def close(self) -> None:
        """Stop the background flushes, flush once more, close the sinks. The background task
        is asked to stop, not cancelled: a write cancelled half-way (the file's runs in a
        thread, which goes on) would be written again by the last flush."""
        if self._task is not None:
            self._stopping.set()
            await self._task
            self._task = None
        await self.flush()
        for p in self._pending:
            await p.sink.close()
