"""The Reconciler as the room runs it: after every resync (requested by the bridge) and every
period while connected; a failure to read the PBX's records is counted, never raised. And the
room's wiring: the bridge's resync requests a run, the counters are on /metrics."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callcenter.assembly.room import Room
from callcenter.domain.pbx_log import PbxRecords, QueueLogRow
from callcenter.pbxlog.queue_log_file import QueueLogFileReader
from callcenter.pbxlog.reconciler import Reconciler
from callcenter.settings import AgiSettings, AmiSettings, ApiSettings, PbxLogSettings, Settings
from callcenter.sim.runner import SimulatorConfig, SimulatorService, load_queues
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import Room as Pipeline
from tests.ami.conftest import make_room
from tests.databases import sqlite_url

T0 = datetime(2026, 12, 1, 20, 1, tzinfo=UTC)


class Reader:
    source = "test"

    def __init__(self, rows: list[QueueLogRow] | None = None, fail: bool = False) -> None:
        self.rows = rows or []
        self.fail = fail
        self.windows: list[tuple[datetime, datetime]] = []

    async def read(self, since: datetime, until: datetime) -> PbxRecords:
        self.windows.append((since, until))
        if self.fail:
            raise ConnectionRefusedError("PostgreSQL is down")
        return PbxRecords(queue_log=self.rows, source=self.source)


@pytest.fixture
async def pipeline(tmp_path: Path) -> AsyncIterator[Pipeline]:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    room = make_room(TimelineStore(engine), offline=False)
    room.runner.start()
    yield room
    await room.runner.close()
    await engine.dispose()


def abandoned_call(callid: str) -> list[QueueLogRow]:
    common = {"callid": callid, "queuename": "line19", "agent": "NONE"}
    return [
        QueueLogRow(time=T0, event="ENTERQUEUE", data2="0612345678", data3="1", **common),
        QueueLogRow(time=T0 + timedelta(seconds=4), event="ABANDON", data1="1", data2="1",
                    data3="4", **common),
    ]  # fmt: skip


async def test_a_failure_to_read_is_counted_and_the_window_read_again(pipeline: Pipeline) -> None:
    reader = Reader(fail=True)
    now = T0 + timedelta(minutes=1)
    reconciler = Reconciler(reader, pipeline.runner, pipeline.store, clock=lambda: now)
    assert await reconciler.run() == 0
    assert (reconciler.stats.runs, reconciler.stats.errors) == (1, 1)
    reader.fail, reader.rows = False, abandoned_call("1796155265.109")
    assert await reconciler.run() == 5  # entered, queued, abandoned, left_queue, line_ended
    assert reader.windows[0] == reader.windows[1]  # the failed window is covered again
    row = await pipeline.store.get_call("1796155265.109")
    assert row is not None and row["outcome"] == "abandoned" and row["caller_e164"] is None
    assert (reconciler.stats.calls_added, reconciler.stats.steps) == (1, 5)
    assert await reconciler.run() == 0  # nothing new
    assert reader.windows[2][0] > reader.windows[1][0]  # from where the last run ended


async def test_serve_runs_when_the_bridge_resynced_and_periodically_while_connected(
    pipeline: Pipeline,
) -> None:
    reader = Reader()
    reconciler = Reconciler(reader, pipeline.runner, pipeline.store)
    connected = False
    task = asyncio.create_task(reconciler.serve(lambda: connected, period=0.05))
    try:
        await asyncio.sleep(0.2)
        assert reconciler.stats.runs == 0  # not connected: no periodic run
        reconciler.request()  # the bridge's resync after a login
        await eventually(lambda: reconciler.stats.runs >= 1)
        connected = True
        await eventually(lambda: reconciler.stats.runs >= 3)
        reader.fail = True  # never raised out of serve
        await eventually(lambda: reconciler.stats.errors >= 2)
        assert not task.done()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not true after {seconds} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_room_reconciles_after_its_ami_login(tmp_path: Path) -> None:
    """Against the simulator: the login's resync requests a run, which reads the queue_log
    file (SQLite) and shows on the room's counters (/metrics)."""
    queue_log = tmp_path / "queue_log"
    queue_log.write_text("")
    settings = Settings(
        demo=True,
        data_dir=tmp_path,
        ami=AmiSettings(port=free_port()),
        agi=AgiSettings(port=free_port()),
        api=ApiSettings(port=free_port()),
        pbx_log=PbxLogSettings(queue_log_file=queue_log, period_seconds=3600),
    )
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    room = Room(settings, TimelineStore(engine), with_api=False)
    assert isinstance(room.reconciler.reader if room.reconciler else None, QueueLogFileReader)
    config = SimulatorConfig(
        queues=load_queues(None),
        credentials={"callcenter": "callcenter"},
        ami_port=settings.ami.port,
        control_port=None,
        agi_url=f"agi://127.0.0.1:{settings.agi.port}/qualify",
        agi_budget=2.0,
    )
    stop = asyncio.Event()
    try:
        async with SimulatorService(config) as sim:
            sim_task = asyncio.create_task(sim.run(stop))
            room_task = asyncio.create_task(room.run(stop))
            try:
                await eventually(lambda: room.metrics().get("pbx_log_runs", 0) >= 1, 20)
                metrics = room.metrics()
                assert metrics["pbx_log_errors"] == 0
                assert {"pbx_log_steps_reconstructed", "pbx_log_calls_recovered"} <= set(metrics)
                # the FastAGI server's callers it could not serve are on the same counters
                assert metrics["agi_shed"] == 0 and metrics["agi_overran"] == 0
            finally:
                stop.set()
                async with asyncio.timeout(30):
                    await room_task
                    await sim_task
    finally:
        await engine.dispose()
