"""One call-back task, and one ``callback_task`` step, per call: a call cut off (``lost``) that
the PBX's log then shows abandoned keeps the task it got when it was lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from callcenter.domain import events as ev
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.databases import sqlite_url

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def at(seconds: float, cls: type, **fields: object) -> ev.CallEvent:
    when = T0 + timedelta(seconds=seconds)
    event: ev.CallEvent = cls(
        call_id="c1",
        at=when,
        received_at=when,
        source_id=f"t:{cls.__name__}:{seconds}",
        clock=ev.Clock.PBX,
        **fields,
    )
    return event


async def test_a_lost_call_found_abandoned_keeps_its_one_task(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    store = TimelineStore(engine)
    processor = CallProcessor(store, NullNotifier())
    try:
        for event in [
            at(0, ev.CallEntered, caller_raw="0612345678"),
            at(0.1, ev.CallerQueued, queue="line19", position=1, count=1),
            at(9, ev.CallLost, gap_started=T0, gap_ended=T0 + timedelta(seconds=9)),
            at(9.1, ev.CallRecovered, state="queued", source="queue_log+cel"),
            at(
                4,
                ev.CallerAbandoned,
                queue="line19",
                position=1,
                original_position=1,
                hold_seconds=4,
            ),
            at(4.1, ev.LineEnded),
        ]:
            await processor.handle(event)
        steps = await store.timeline("c1")
        kinds = [s["kind"] for s in steps]
        assert kinds.count("callback_task") == 1, kinds
        assert kinds.index("callback_task") == kinds.index("lost") + 1  # opened when cut off
        row = await store.get_call("c1")
        assert row is not None and row["outcome"] == "abandoned"
    finally:
        await engine.dispose()


async def test_a_task_opened_and_closed_in_one_batch_is_closed(tmp_path: Path) -> None:
    """The close step skips the numbers without a live task (one query for the batch): a task
    the same batch opened still counts, so the caller's new call closes it."""
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    store = TimelineStore(engine)
    processor = CallProcessor(store, NullNotifier())
    again = T0 + timedelta(seconds=30)
    try:
        async with processor.batch():
            for event in [
                at(0, ev.CallEntered, caller_raw="0661234567", caller_e164="+212661234567"),
                at(0.1, ev.CallerQueued, queue="line19", position=1, count=1),
                at(
                    4,
                    ev.CallerAbandoned,
                    queue="line19",
                    position=1,
                    original_position=1,
                    hold_seconds=4,
                ),
                at(4.1, ev.LineEnded),
                ev.CallEntered(
                    call_id="c2",
                    at=again,
                    received_at=again,
                    source_id="t:c2",
                    clock=ev.Clock.PBX,
                    caller_raw="0661234567",
                    caller_e164="+212661234567",
                ),
                ev.CallEntered(
                    call_id="c3",
                    at=again,
                    received_at=again,
                    source_id="t:c3",
                    clock=ev.Clock.PBX,
                    caller_raw="0699999999",
                    caller_e164="+212699999999",
                ),
            ]:
                await processor.handle(event)
        kinds = [s["kind"] for s in await store.timeline("c1")]
        assert kinds.count("callback_task") == 1 and kinds[-1] == "callback_closed", kinds
        async with engine.connect() as conn:
            from sqlalchemy import select

            from callcenter.storage.callbacks import TASKS

            rows = (await conn.execute(select(TASKS.c.call_id, TASKS.c.status))).all()
        assert [(r.call_id, r.status) for r in rows] == [("c1", "closed")]
    finally:
        await engine.dispose()
