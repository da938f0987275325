"""The timeline store on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.domain import events as ev
from callcenter.domain.call import Call, CallState
from callcenter.domain.effects import AppendTimeline
from callcenter.domain.lifecycle import transition
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.domain.factories import make

CALL = "1795319001.4"


def answered_call_events() -> list[ev.CallEvent]:
    return [
        make(ev.CallEntered, source_id="a"),
        make(ev.CallerQueued, source_id="b"),
        make(ev.SeatOffered, source_id="c"),
        make(ev.CallAnswered, source_id="d"),
        make(ev.ConversationEnded, source_id="e"),
        make(ev.LineEnded, source_id="f"),
    ]


async def test_migration_from_empty_creates_the_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        await upgrade(engine)  # at head already: a no-op, not an error
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"calls", "timeline", "alembic_version"} <= names
    finally:
        await engine.dispose()


async def test_save_and_read_back(store: TimelineStore) -> None:
    processor = CallProcessor(store, NullNotifier())
    for event in answered_call_events():
        await processor.handle(event)

    loaded = await store.load(CALL)
    assert loaded is not None
    call, sources = loaded
    assert call.state is CallState.ANSWERED and call.line_ended
    assert (call.seat, call.hold_seconds, call.talk_seconds) == ("Seat 03", 4, 30)
    assert call.rang_at is not None and call.rang_at.tzinfo is not None
    assert sources == set("abcdef")

    steps = await store.timeline(CALL)
    assert [s["seq"] for s in steps] == [1, 2, 3, 4, 5, 6]
    assert [s["kind"] for s in steps] == [
        "entered",
        "queued",
        "offered",
        "answered",
        "conversation_ended",
        "line_ended",
    ]
    assert steps[3]["payload"]["hold_seconds"] == 4
    assert [s["seq"] for s in await store.timeline(CALL, after_seq=4)] == [5, 6]


async def test_load_many_reads_several_calls_as_load_does(store: TimelineStore) -> None:
    processor = CallProcessor(store, NullNotifier())
    for event in answered_call_events():
        await processor.handle(event)
    await processor.handle(make(ev.CallEntered, "other", source_id="x"))

    found = await store.load_many([CALL, "other", "never-seen"])
    assert set(found) == {CALL, "other"}  # the unknown one is left out
    assert found[CALL] == await store.load(CALL)
    assert found["other"][1] == {"x"} and found["other"][0].state is CallState.RINGING
    assert await store.load_many([]) == {}


async def test_a_later_seats_answer_survives_a_reload(store: TimelineStore) -> None:
    """The conversation in progress starts at its own seat's answer (``seat_answered_at``),
    kept in the store: a processor that loads the call (a restart) still measures its span
    when the caller is Redirected back into the queue."""
    first = CallProcessor(store, NullNotifier())
    for event in answered_call_events()[:4]:
        await first.handle(event)
    answered = await first.current(CALL)
    assert answered is not None and answered.answered_at is not None
    again = answered.answered_at + timedelta(seconds=10)
    redirect = [
        make(ev.CallerQueued, source_id="r1", at=answered.answered_at + timedelta(seconds=3)),
        make(ev.CallAnswered, source_id="r2", at=again, seat="Seat 07"),
    ]
    for event in redirect:
        await first.handle(event)
    loaded = await store.load(CALL)
    assert loaded is not None and loaded[0].seat_answered_at == again
    restarted = CallProcessor(store, NullNotifier())
    back = make(ev.CallerQueued, source_id="r3", at=again + timedelta(seconds=9))
    call = await restarted.handle(back)
    assert call is not None and call.talk_seconds == 3 + 9  # Seat 03's span, Seat 07's


async def test_replaying_the_same_events_stores_nothing_new(store: TimelineStore) -> None:
    events = answered_call_events()
    first = CallProcessor(store, NullNotifier())
    for event in events:
        await first.handle(event)
    # A new processor (a restarted bridge, a second ingest) replays the whole stream.
    second = CallProcessor(store, NullNotifier())
    for event in events:
        assert await second.handle(event) is None
    assert second.stats.duplicates == len(events)
    assert len(await store.timeline(CALL)) == len(events)


async def test_store_refuses_a_duplicate_step_by_itself(store: TimelineStore) -> None:
    call, effects = transition(None, make(ev.CallEntered, source_id="x"))
    steps = [e for e in effects if isinstance(e, AppendTimeline)]
    assert await store.save(call, steps) == 1
    assert await store.save(call, steps) == 0
    assert len(await store.timeline(CALL)) == 1


async def test_state_is_upserted(store: TimelineStore, engine: AsyncEngine) -> None:
    await store.save(Call(id="c1", state=CallState.QUEUED), [])
    await store.save(Call(id="c1", state=CallState.ABANDONED, abandon_position=2), [])
    row = await store.get_call("c1")
    assert row is not None
    assert (row["state"], row["outcome"], row["abandon_position"]) == ("abandoned", "abandoned", 2)
