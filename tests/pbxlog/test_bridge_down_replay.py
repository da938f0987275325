"""Issue 15, done when: bridge-down-A replayed (serve #1's AMI up to the kill, serve #2's from
its login, with its snapshot) plus the PBX's own records (queue_log and CEL rows in the tables
on the real PostgreSQL; the queue_log file on SQLite) gives the 40 calls with the outcomes and
hold/talk times the PBX recorded, no step twice, intact hash chains; a second run adds nothing.

Without the reconciliation the same replay gives what callcenter exported that night: 30
calls, 21 of them ``lost``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from callcenter.ami.callerid import to_e164
from callcenter.ami.frames import FrameParser
from callcenter.ami.translate import is_noise
from callcenter.audit.export import export_calls
from callcenter.domain.call import still_live
from callcenter.domain.pbx_log import CallerLeg
from callcenter.pbxlog.database import DatabaseReader
from callcenter.pbxlog.queue_log_file import QueueLogFileReader
from callcenter.pbxlog.reconciler import PbxLogReader, Reconciler
from callcenter.pbxlog.tables import CEL, QUEUE_LOG
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import Room, make_room
from tests.databases import postgres_database, sqlite_url
from tests.pbxlog import bridge_down as rec

NOTHING = ("", None)


def feed(room: Room, data: bytes, received_at: datetime) -> None:
    parser = FrameParser(noise=is_noise)
    for frame in parser.feed(data):
        room.bridge.on_frame(frame, received_at)


async def load_pbx_tables(store: TimelineStore) -> None:
    """The rows Asterisk wrote that night, as it wrote them (schema.sql's columns)."""

    def when(text: str) -> datetime:
        return datetime.fromisoformat(text)

    queue_log = [
        {**{k: v for k, v in r.items() if k != "id"}, "time": when(r["time"])}
        for r in rec.csv_rows("queue_log.csv")
    ]
    keep = {c.name for c in CEL.columns} - {"id"}
    convert: dict[str, Callable[[str], object]] = {
        "eventtime": when,
        "amaflags": lambda v: int(v) if v else None,
    }
    cel = [
        {k: convert.get(k, str)(v) for k, v in r.items() if k in keep}
        for r in rec.csv_rows("cel.csv")
    ]
    async with store.engine.begin() as conn:
        await conn.execute(insert(QUEUE_LOG), queue_log)
        await conn.execute(insert(CEL), cel)


async def replay(store: TimelineStore, reader: PbxLogReader | None) -> Reconciler | None:
    first = make_room(store, offline=False)
    first.runner.start()
    feed(first, rec.serve_one(), rec.KILLED_AT)
    first.bridge.disconnected()
    await first.runner.close()  # kill -9: what it processed is what was stored

    second = make_room(store, offline=False)
    live = {r["id"] async for r in store.calls() if still_live(r["state"], r["line_ended"])}
    second.bridge.adopt(live, since=rec.RESTARTED_AT)  # Room.adopt_live_calls
    second.runner.start()
    now = rec.RECONNECTED_AT
    reconciler = None
    if reader is not None:
        reconciler = Reconciler(
            reader,
            second.runner,
            store,
            caller_leg=CallerLeg.AUTO,
            e164=to_e164,
            clock=lambda: now,
        )
        second.bridge.on_resynced = reconciler.request
    feed(second, rec.serve_two_snapshot(), rec.RECONNECTED_AT)
    await second.runner.drain()
    if reconciler is not None:  # what Reconciler.serve does when the bridge requests it
        await reconciler.run(horizon=reconciler._resynced_at)
    feed(second, rec.serve_two_events(), rec.RECONNECTED_AT)
    await second.runner.drain()
    if reconciler is not None:  # the periodic run, once every call has ended
        now = rec.ALL_ENDED_AT + timedelta(seconds=30)
        await reconciler.run()
    await second.runner.close()
    assert second.runner.stats.failed == 0
    assert second.processor.stats.anomalies == 0
    return reconciler


async def check_against_truth(store: TimelineStore) -> None:
    truth = rec.truth()
    assert len(truth) == 40
    exported = {row["id"]: row async for row in export_calls(store)}
    assert set(exported) == set(truth)
    for call_id, want in truth.items():
        row = exported[call_id]
        got = (row["outcome"], row["hold_seconds"], row["talk_seconds"], row["line_ended"])
        assert got == (want.outcome, want.hold_seconds, want.talk_seconds, True), call_id
        kinds = Counter(step["kind"] for step in row["timeline"])
        assert kinds["answered"] == want.counts.get("CONNECT", 0), call_id
        assert kinds["abandoned"] == want.counts.get("ABANDON", 0), call_id
        completes = want.counts.get("COMPLETEAGENT", 0) + want.counts.get("COMPLETECALLER", 0)
        assert kinds["conversation_ended"] == completes, call_id
        assert kinds["line_ended"] == kinds["entered"] == 1, call_id
        assert kinds["anomaly"] == 0, call_id
        if row["answered_at"] is not None:  # the caller's wait ends at the PBX's answer
            assert row["wait_seconds"] is not None
        times = [step["at"] for step in row["timeline"]]
        assert times == sorted(times), call_id
        verdict = await store.verify(call_id)
        assert verdict is not None and verdict.intact, (call_id, verdict)
    lost = [r for r in exported.values() if r["timeline"] and "lost" in str(r["timeline"])]
    recovered = [r for r in lost if any(s["kind"] == "recovered" for s in r["timeline"])]
    assert len(lost) == len(recovered) == 21
    rebuilt = [r for r in exported.values() if r["timeline"][0]["clock"] == "pbx-log"]
    assert len(rebuilt) == 10
    assert all(s["inferred"] for r in rebuilt for s in r["timeline"])


async def step_count(store: TimelineStore) -> int:
    return sum([len(await store.timeline(r["id"])) async for r in store.calls()])


async def test_without_reconciliation_it_is_what_was_exported(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    store = TimelineStore(engine)
    try:
        await replay(store, None)
        rows = [r async for r in store.calls()]
        assert len(rows) == 30
        assert Counter(r["outcome"] for r in rows)["lost"] == 21
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_bridge_down_on_postgres_from_queue_log_and_cel_tables() -> None:
    async with postgres_database() as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            store = TimelineStore(engine)
            await load_pbx_tables(store)
            reconciler = await replay(store, DatabaseReader(engine))
            assert reconciler is not None
            await check_against_truth(store)
            assert reconciler.stats.calls_recovered == 21
            assert reconciler.stats.calls_added == 10
            assert reconciler.stats.errors == 0

            before = await step_count(store)
            again = await replay_reconciliation_only(store, DatabaseReader(engine))
            assert again == 0
            assert await step_count(store) == before
        finally:
            await engine.dispose()


async def test_bridge_down_on_sqlite_from_the_queue_log_file(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    store = TimelineStore(engine)
    try:
        reader = QueueLogFileReader(rec.HERE / "queue_log.file")
        reconciler = await replay(store, reader)
        assert reconciler is not None
        await check_against_truth(store)
        assert reconciler.stats.calls_added == 10
        before = await step_count(store)
        assert await replay_reconciliation_only(store, reader) == 0
        assert await step_count(store) == before
    finally:
        await engine.dispose()


async def replay_reconciliation_only(store: TimelineStore, reader: PbxLogReader) -> int:
    """A fresh process reconciling the whole night again (its window from the store)."""
    room = make_room(store, offline=False)
    room.runner.start()
    reconciler = Reconciler(
        reader, room.runner, store, clock=lambda: rec.ALL_ENDED_AT + timedelta(minutes=5)
    )
    added = await reconciler.run()
    await room.runner.close()
    assert reconciler.stats.errors == 0
    return added
