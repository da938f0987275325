"""Bridge behaviour the transcripts alone do not show: lost calls, seats, submit ordering."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from callcenter.ami.ingest import ingest_streams
from callcenter.domain.events import CallEntered, CallQualified, Clock, Qualification
from callcenter.domain.seats import SeatState
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import FIXTURES, make_room

EMPTY_SNAPSHOT = (
    b"Asterisk Call Manager/9.0.0\r\n"
    b"Response: Success\r\nActionID: r-1\r\nMessage: Authentication accepted\r\n\r\n"
    b"Response: Success\r\nActionID: r-2\r\nEventList: start\r\n"
    b"Message: Channels will follow\r\n\r\n"
    b"Event: CoreShowChannelsComplete\r\nActionID: r-2\r\nEventList: Complete\r\n"
    b"ListItems: 0\r\n\r\n"
)


async def test_calls_the_pbx_no_longer_knows_become_lost(sqlite_store: TimelineStore) -> None:
    room = make_room(sqlite_store)
    room.runner.start()
    streams = [("before", (FIXTURES / "ts-reconnect.ami").read_bytes()), ("after", EMPTY_SNAPSHOT)]
    await ingest_streams(streams, room.bridge, room.runner)
    await room.runner.close()

    assert room.bridge.stats.lost == 5
    for call_id in ["1795319769.48", "1795319769.50", "1795319769.52", "1795319769.56"]:
        row = await sqlite_store.get_call(call_id)
        assert row is not None and row["state"] == "lost" and row["outcome"] == "lost"
        steps = await sqlite_store.timeline(call_id)
        lost, task = steps[-2:]
        assert lost["kind"] == "lost" and lost["inferred"] and lost["clock"] == "inferred"
        assert lost["payload"]["gap_started"] <= lost["payload"]["gap_ended"]
        # cut off: the caller is to be called back (domain/callbacks.py)
        assert task["kind"] == "callback_task" and task["payload"]["reason"] == "cut_off"
    assert room.bridge.live_calls() == set()


async def test_seat_board_follows_login_pause_and_logout(sqlite_store: TimelineStore) -> None:
    room = make_room(sqlite_store)
    room.runner.start()
    data = (FIXTURES / "seat-login-pause.ami").read_bytes()
    cut = data.index(b"Message: Interface paused successfully")
    cut = data.index(b"Event: QueueMemberPause", cut)
    cut = data.index(b"\r\n\r\n", cut) + 4
    await ingest_streams([("paused", data[:cut])], room.bridge, room.runner)
    seat = room.seats.seat("Seat 21")
    assert seat is not None
    assert (seat.state, seat.paused_reason) == (SeatState.PAUSED, "lunch")
    assert seat.interface == "Local/seat21@seats/n"

    room2 = make_room(sqlite_store)
    room2.runner.start()
    await ingest_streams([("all", data)], room2.bridge, room2.runner)
    seat = room2.seats.seat("Seat 21")
    assert seat is not None and seat.state is SeatState.LOGGED_OUT
    seat01 = room2.seats.seat("Seat 01")
    assert seat01 is not None and seat01.state is SeatState.AVAILABLE
    await room.runner.close()
    await room2.runner.close()


async def test_submit_from_other_tasks_keeps_each_call_in_order(
    sqlite_store: TimelineStore,
) -> None:
    room = make_room(sqlite_store)
    room.runner.start()
    t0 = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
    q = Qualification(incident_type="assault", priority="P1", address="Bd Zerktouni")

    async def one_call(n: int) -> None:
        call_id = f"17953.{n}"
        common = {"call_id": call_id, "received_at": t0, "clock": Clock.ARRIVAL}
        await room.runner.submit(CallEntered(**common, at=t0, source_id=f"e{n}"))
        await asyncio.sleep(0)
        # Refused (an anomaly) unless the call is in order; this only checks ordering.
        await room.runner.submit(
            CallQualified(**common, at=t0 + timedelta(seconds=1), source_id=f"q{n}",
                          qualification=q, by="op")
        )  # fmt: skip

    await asyncio.gather(*(one_call(n) for n in range(20)))
    await room.runner.close()
    for n in range(20):
        kinds = [s["kind"] for s in await sqlite_store.timeline(f"17953.{n}")]
        assert kinds == ["entered", "anomaly"]


async def test_steps_missed_during_the_gap_are_inferred(sqlite_store: TimelineStore) -> None:
    """Cut the first connection just before the 4th AgentConnect: that call was answered while
    we were away. The snapshot shows it talking with its seat (same BridgeId)."""
    room = make_room(sqlite_store)
    room.runner.start()
    before = (FIXTURES / "ts-reconnect.ami").read_bytes()
    cut = 0
    for _ in range(4):
        cut = before.index(b"Event: AgentConnect\r\n", cut + 1)
    after = (FIXTURES / "ts-reconnect-2.ami").read_bytes()
    await ingest_streams([("before", before[:cut]), ("after", after)], room.bridge, room.runner)
    await room.runner.close()
    assert room.processor.stats.anomalies == 0

    answered_in_gap = "1795319769.56"  # C04, answered by Seat 01 while we were away
    steps = await sqlite_store.timeline(answered_in_gap)
    kinds = [(s["kind"], s["inferred"]) for s in steps]
    assert kinds == [
        ("entered", False),
        ("queued", False),
        ("offered", False),
        ("left_queue", False),  # QueueCallerLeave precedes AgentConnect
        ("answered", True),
        ("resynced", False),
        ("conversation_ended", False),
        ("line_ended", False),
    ]
    answered = steps[4]
    assert answered["clock"] == "inferred"
    assert answered["payload"]["seat"] == "Seat 01"
    row = await sqlite_store.get_call(answered_in_gap)
    assert row is not None
    # Asterisk's own figures still win: hold from the AgentComplete that followed.
    assert (row["seat"], row["hold_seconds"], row["talk_seconds"]) == ("Seat 01", 2, 20)


async def test_a_restarted_serve_resyncs_the_calls_it_left_live(
    sqlite_store: TimelineStore,
) -> None:
    from callcenter.assembly.room import Room
    from callcenter.settings import Settings

    before = make_room(sqlite_store)
    before.runner.start()
    await ingest_streams(
        [("before", (FIXTURES / "ts-reconnect.ami").read_bytes())], before.bridge, before.runner
    )
    await before.runner.close()

    # A new process: nothing in memory, five calls live in the database. The clock is the
    # recording's (an hour after it), so the test holds on any date.
    recorded = datetime.fromtimestamp(1795319769, UTC)
    room = Room(Settings(), sqlite_store, clock=lambda: recorded + timedelta(hours=1))
    assert await room.adopt_live_calls() == 5
    room.runner.start()
    after = (FIXTURES / "ts-reconnect-2.ami").read_bytes()
    await ingest_streams([("after", after)], room.bridge, room.runner)
    await room.runner.close()
    assert room.processor.stats.anomalies == 0
    for call_id in ["1795319769.48", "1795319769.50", "1795319769.52", "1795319769.56"]:
        kinds = [s["kind"] for s in await sqlite_store.timeline(call_id)]
        assert kinds[-3:] == ["resynced", "conversation_ended", "line_ended"], kinds
        row = await sqlite_store.get_call(call_id)
        assert row is not None and row["state"] == "answered" and row["line_ended"]


async def test_the_channels_to_act_on_are_known_while_the_call_lives(
    sqlite_store: TimelineStore,
) -> None:
    room = make_room(sqlite_store)
    room.runner.start()
    data = (FIXTURES / "ts-reconnect.ami").read_bytes()
    await ingest_streams([("before", data)], room.bridge, room.runner)
    c01 = room.bridge.call_channels("1795319769.48")
    assert c01 is not None
    assert c01.caller == "Local/19@from-pstn-00000018;2"  # the queue caller, not the 1st leg
    assert c01.seat.startswith("Local/seat02@seats-") and c01.seat.endswith(";1")
    waiting = room.bridge.call_channels("1795319770.60")
    assert waiting is not None and waiting.seat == ""

    after = (FIXTURES / "ts-reconnect-2.ami").read_bytes()
    await ingest_streams([("after", after)], room.bridge, room.runner)
    await room.runner.close()
    assert room.bridge.call_channels("1795319769.48") is None  # the call ended
