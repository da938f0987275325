"""The qualify route over real TCP, with the recorded environments and a real store."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.agi import room_count
from callcenter.agi.lookups import PriorCall, RoomSnapshot, StoreLookups
from callcenter.domain.call import Call, CallState
from callcenter.domain.events import CallEvent
from callcenter.sim.agi_peer import environment, play
from tests.agi.conftest import ENV1, ENV2, LINKEDID1, RoomFactory, SlowLookups

LINKED = {"CHANNEL(linkedid)": LINKEDID1}


def env(uniqueid: str, callerid: str, **extra: str) -> bytes:
    return environment(ENV1, agi_uniqueid=uniqueid, agi_callerid=callerid, **extra)


async def test_recorded_session_is_answered(make_room: RoomFactory) -> None:
    room = await make_room()
    result = await play("127.0.0.1", room.port, ENV1, variables=LINKED)
    assert result.closed_by_server
    assert result.commands[0] == "GET VARIABLE CHANNEL(linkedid)"
    assert result.commands[1:3] == [
        'SET VARIABLE QUEUE_PRIO "0"',
        'SET VARIABLE CALLCENTER_ROUTE "queue"',
    ]
    v = result.variables
    assert v["CALLCENTER_CALL_ID"] == LINKEDID1
    assert v["CALLCENTER_NUMBER_KIND"] == "invalid"  # 0500000004 is not an allocated range
    assert v["CALLCENTER_CALLER_E164"] == ""
    assert v["CALLCENTER_DEGRADED"] == "0"
    step = await room.entered(LINKEDID1)
    assert step["source_id"] == "agi:1795319052.249"
    p = step["payload"]
    assert p["route"] == "queue"
    assert p["channel"] == "Local/19@from-pstn-0000007c;2"
    assert p["caller_raw"] == "0500000004"
    assert p["state"] == "ringing"
    assert "caller ID invalid" in p["reason"] and "room 0/60: queued" in p["reason"]
    assert p["reason_codes"] == [  # what the panel translates, stored with the step
        {"code": "caller_id_kind", "params": {"kind": "invalid"}},
        {"code": "room_queued", "params": {"occupancy": 0, "capacity": 60}},
        {"code": "priority", "params": {"priority": 0}},
    ]
    assert p["degraded"] is False
    assert room.server.stats.answered == 1


async def test_mobile_repeat_caller_after_abandon(make_room: RoomFactory) -> None:
    room = await make_room()
    now = datetime.now(UTC)
    earlier = [
        Call(
            id="100.1",
            state=CallState.ABANDONED,
            caller_e164="+212612345678",
            rang_at=now - timedelta(minutes=10),
            line_ended=True,
        ),
        Call(
            id="100.5",
            state=CallState.CLOSED,
            caller_e164="+212612345678",
            rang_at=now - timedelta(minutes=3),
            line_ended=True,
            answered_at=now,
        ),
        Call(
            id="90.1",
            state=CallState.CLOSED,
            caller_e164="+212612345678",
            rang_at=now - timedelta(minutes=45),
            line_ended=True,
        ),  # outside the window
        Call(
            id="100.7",
            state=CallState.ABANDONED,
            caller_e164="+212661000000",
            rang_at=now - timedelta(minutes=1),
            line_ended=True,
        ),  # someone else
    ]
    for call in earlier:
        await room.store.save(call, [])
    result = await play(
        "127.0.0.1",
        room.port,
        env("200.2", "+212612345678"),
        variables={"CHANNEL(linkedid)": "200.1"},
    )
    v = result.variables
    assert v["QUEUE_PRIO"] == "10"
    assert v["CALLCENTER_ROUTE"] == "queue"
    assert v["CALLCENTER_CALLER_E164"] == "+212612345678"
    assert v["CALLCENTER_NUMBER_KIND"] == "mobile"
    assert v["CALLCENTER_REPEAT_COUNT"] == "2"
    assert v["CALLCENTER_LINKED_CALLS"] == "100.5&100.1"  # newest first
    p = (await room.entered("200.1"))["payload"]
    assert p["linked_call_ids"] == ["100.5", "100.1"]
    assert p["callback_after_abandon"] is True
    assert p["priority"] == 10
    assert "calling back after an abandoned call" in p["reason"]
    assert p["reason_codes"][0] == {
        "code": "callback_after_abandon",
        "params": {"count": 2, "minutes": 30},
    }


async def test_repeat_caller_priority_rises(make_room: RoomFactory) -> None:
    room = await make_room()
    first = await play(
        "127.0.0.1", room.port, env("300.2", "0522123456"), variables={"CHANNEL(linkedid)": "300.1"}
    )
    await room.sink.drain()  # minutes pass between the two calls: the first is recorded
    second = await play(
        "127.0.0.1",
        room.port,
        env("301.2", "+212522123456"),
        variables={"CHANNEL(linkedid)": "301.1"},
    )
    assert first.variables["QUEUE_PRIO"] == "0"
    assert first.variables["CALLCENTER_NUMBER_KIND"] == "fixed_line"
    assert second.variables["QUEUE_PRIO"] == "5"
    assert second.variables["CALLCENTER_LINKED_CALLS"] == "300.1"
    assert (
        "repeat caller (1 earlier in 30 min)" in (await room.entered("301.1"))["payload"]["reason"]
    )


async def test_linkedid_unavailable_falls_back_to_uniqueid(make_room: RoomFactory) -> None:
    room = await make_room()
    result = await play("127.0.0.1", room.port, ENV1)  # CHANNEL(linkedid) answers result=0
    assert result.variables["CALLCENTER_CALL_ID"] == "1795319052.249"
    p = (await room.entered("1795319052.249"))["payload"]
    assert "linkedid_unavailable: unset" in p["notes"]


async def test_international_withheld_empty_garbage_non_ascii(make_room: RoomFactory) -> None:
    room = await make_room()
    cases = {
        "400.1": ("+33612345678", "mobile", "+33612345678"),
        "401.1": ("anonymous", "withheld", ""),
        "402.1": ("", "empty", ""),
        "403.1": ("9" * 200, "invalid", ""),
        "404.1": ("٠٦١٢٣٤٥٦٧٨", "mobile", "+212612345678"),
        "405.1": ("19", "emergency", ""),
    }
    for call_id, (callerid, kind, e164) in cases.items():
        result = await play(
            "127.0.0.1",
            room.port,
            env(call_id, callerid, agi_calleridname="عبد الله"),
            variables={"CHANNEL(linkedid)": call_id},
        )
        assert result.variables["CALLCENTER_NUMBER_KIND"] == kind, callerid
        assert result.variables["CALLCENTER_CALLER_E164"] == e164
        assert result.variables["CALLCENTER_ROUTE"] == "queue"
        p = (await room.entered(call_id))["payload"]
        assert p["number_kind"] == kind
        assert len(p["caller_raw"]) <= 80
    # invalid UTF-8 in the caller ID: read with replacement characters, classified invalid
    raw = env("406.1", "x").replace(b"agi_callerid: x", b"agi_callerid: \xff\xfe")
    result = await play("127.0.0.1", room.port, raw, variables={"CHANNEL(linkedid)": "406.1"})
    assert result.variables["CALLCENTER_NUMBER_KIND"] == "invalid"
    assert room.server.stats.answered == 7


async def test_hangup_mid_session(make_room: RoomFactory) -> None:
    room = await make_room(capacity=1)
    result = await play(
        "127.0.0.1",
        room.port,
        ENV2,
        hangup_after_env=True,
        variables={"CHANNEL(linkedid)": "1795319058.252"},
    )
    assert result.commands == ["GET VARIABLE CHANNEL(linkedid)"]  # nothing set on a dead line
    p = (await room.entered("1795319058.252"))["payload"]
    assert "caller_hung_up_during_agi" in p["notes"]
    # the place it was given is back (the store frees it when the bridge sees the Hangup)
    assert room.route.ledger.pending() == frozenset()


async def test_hangup_while_answering(make_room: RoomFactory) -> None:
    room = await make_room()
    result = await play(
        "127.0.0.1",
        room.port,
        env("510.2", "0612345678"),
        variables={"CHANNEL(linkedid)": "510.1"},
        hangup_after_commands=2,
    )
    assert result.closed_by_server
    assert "caller_hung_up_during_agi" in (await room.entered("510.1"))["payload"]["notes"]


async def test_client_disconnects_mid_session(make_room: RoomFactory) -> None:
    room = await make_room()
    # closes before the blank line that ends the environment
    _, writer = await asyncio.open_connection("127.0.0.1", room.port)
    writer.write(ENV1[:200])
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    # closes right after the server's first command
    await play("127.0.0.1", room.port, env("600.2", "0612345678"), disconnect_after_commands=1)
    # the server still serves the next caller
    ok = await play(
        "127.0.0.1", room.port, env("601.2", "0612345679"), variables={"CHANNEL(linkedid)": "601.1"}
    )
    assert ok.variables["CALLCENTER_ROUTE"] == "queue"
    await room.server.close(grace=5)
    assert room.server.stats.protocol_errors == 1  # the truncated environment
    notes = (await room.entered("600.2"))["payload"]["notes"]
    assert any(n.startswith("linkedid_unavailable") for n in notes)
    assert "answer_incomplete" in notes


async def test_slow_store_answers_defaults_within_budget(make_room: RoomFactory) -> None:
    slow = SlowLookups(delay=30.0)
    room = await make_room(lookups=slow, budget=1.0)
    # the peer gives up after 5 s: a server that waited for the 30 s store fails this test
    result = await play(
        "127.0.0.1",
        room.port,
        env("700.2", "0612345678"),
        variables={"CHANNEL(linkedid)": "700.1"},
        limit=5.0,
    )
    assert result.closed_by_server
    assert slow.calls == 2
    v = result.variables
    assert (v["QUEUE_PRIO"], v["CALLCENTER_ROUTE"], v["CALLCENTER_DEGRADED"]) == ("0", "queue", "1")
    assert room.server.stats.overran == 0  # answered by itself, not cut at the budget
    p = (await room.entered("700.1"))["payload"]
    assert p["degraded"] is True
    assert set(p["notes"]) == {"repeat_lookup_timeout", "room_lookup_timeout"}
    assert p["reason"].startswith("safe default")
    [code] = p["reason_codes"]
    assert code["code"] == "safe_default"
    assert set(code["params"]["notes"].split(", ")) == set(p["notes"])


async def test_broken_store_answers_defaults(make_room: RoomFactory) -> None:
    room = await make_room(lookups=SlowLookups(error=ConnectionRefusedError("db down")))
    result = await play(
        "127.0.0.1", room.port, env("710.2", "0612345678"), variables={"CHANNEL(linkedid)": "710.1"}
    )
    assert result.variables["CALLCENTER_DEGRADED"] == "1"
    assert result.variables["CALLCENTER_ROUTE"] == "queue"
    p = (await room.entered("710.1"))["payload"]
    assert "room_lookup_failed: ConnectionRefusedError" in p["notes"]


class HeldSink:
    """Holds every submission until the test releases it: a store slower than any budget."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.release = asyncio.Event()

    async def submit(self, event: CallEvent) -> None:
        await self.release.wait()
        await self.inner.submit(event)  # type: ignore[attr-defined]


async def test_slow_sink_does_not_hold_the_answer(make_room: RoomFactory) -> None:
    room = await make_room(budget=0.5)
    held = HeldSink(room.sink)
    room.route.sink = held
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await play(
        "127.0.0.1", room.port, env("720.2", "0612345678"), variables={"CHANNEL(linkedid)": "720.1"}
    )
    # The dialplan got its whole answer and the socket back while the recording was still held.
    assert result.closed_by_server
    assert result.variables["CALLCENTER_ROUTE"] == "queue"
    assert loop.time() - started < 5.0
    assert room.route.stats.recorded == 0
    # Whether or not a stalled loop made the server cut the route at the budget, the recording
    # is owned by the server: shutdown waits for it rather than losing it.
    closing = asyncio.ensure_future(room.server.close(grace=5))
    await asyncio.sleep(0.05)
    held.release.set()
    await closing
    assert room.route.stats.recorded == 1
    assert (await room.entered("720.1"))["payload"]["route"] == "queue"


async def test_unknown_route_is_closed_at_once(make_room: RoomFactory) -> None:
    room = await make_room()
    raw = ENV1.replace(b"qualify?x=1", b"nosuch?x=1")
    result = await play("127.0.0.1", room.port, raw)
    assert result.commands == []
    assert room.server.stats.unknown_routes == 1


async def test_overflow_retry_counts_the_room_again_without_a_second_entered_step(
    make_room: RoomFactory,
) -> None:
    room = await make_room(capacity=1)
    await play(
        "127.0.0.1", room.port, env("800.2", "0612345678"), variables={"CHANNEL(linkedid)": "800.1"}
    )
    full = await play(
        "127.0.0.1", room.port, env("801.2", "0612345679"), variables={"CHANNEL(linkedid)": "801.1"}
    )
    assert full.variables["CALLCENTER_ROUTE"] == "overflow"
    entered = (await room.entered("801.1"))["payload"]
    assert entered["state"] == "overflowed"
    assert {"code": "room_full_overflow", "params": {"occupancy": 1, "capacity": 1}} in entered[
        "reason_codes"
    ]
    # the first call ends: the overflow path asks again and is let in
    first = await room.store.get_call("800.1")
    assert first is not None
    await room.store.save(Call(id="800.1", state=CallState.CLOSED, line_ended=True), [])
    retry = env("801.2", "0612345679").replace(b"qualify?x=1", b"qualify?retry=1")
    again = await play("127.0.0.1", room.port, retry, variables={"CHANNEL(linkedid)": "801.1"})
    assert again.variables["CALLCENTER_ROUTE"] == "queue"
    await room.entered("801.1")  # still exactly one entered step
    rounds = [s for s in await room.store.timeline("801.1") if s["kind"] == "overflow_round"]
    assert [(s["payload"]["retry"], s["payload"]["route"]) for s in rounds] == [(1, "queue")]
    assert {"code": "room_queued", "params": {"occupancy": 0, "capacity": 1}} in rounds[0][
        "payload"
    ]["reason_codes"]


async def test_a_caller_who_redials_at_once_is_linked_before_the_store_knows(
    make_room: RoomFactory,
) -> None:
    room = await make_room()
    first = await play(
        "127.0.0.1", room.port, env("900.2", "0612345678"), variables={"CHANNEL(linkedid)": "900.1"}
    )
    # no waiting for the first call to be recorded
    second = await play(
        "127.0.0.1", room.port, env("901.2", "0612345678"), variables={"CHANNEL(linkedid)": "901.1"}
    )
    assert first.variables["CALLCENTER_REPEAT_COUNT"] == "0"
    assert second.variables["CALLCENTER_LINKED_CALLS"] == "900.1"
    assert second.variables["QUEUE_PRIO"] == "5"


class LateStore:
    """The store, which turns slower than any budget when ``late`` is set (it was fine at
    start: the route loaded its memory from it)."""

    def __init__(self, inner: StoreLookups) -> None:
        self.inner = inner
        self.late = False

    async def _wait(self) -> None:
        if self.late:
            await asyncio.sleep(30)

    async def prior_calls(
        self, numbers: Collection[str], since: datetime, limit: int = 20
    ) -> Mapping[str, Sequence[PriorCall]]:
        await self._wait()
        return await self.inner.prior_calls(numbers, since, limit)

    async def room(self, pending: Collection[str]) -> RoomSnapshot:
        await self._wait()
        return await self.inner.room(pending)

    async def warm(self, since: datetime) -> Mapping[str, Sequence[PriorCall]]:
        return await self.inner.warm(since)


async def test_a_late_store_is_replaced_by_what_it_said_before(make_room: RoomFactory) -> None:
    first = await make_room()
    now = datetime.now(UTC)
    abandoned = Call(
        id="730.1",
        state=CallState.ABANDONED,
        caller_e164="+212612345678",
        rang_at=now - timedelta(minutes=4),
        line_ended=True,
    )
    await first.store.save(abandoned, [])
    await first.store.save(Call(id="731.1", state=CallState.ANSWERED, rang_at=now), [])
    late = LateStore(StoreLookups(first.store.engine))
    room = await make_room(lookups=late, budget=1.0, capacity=2)  # loads its memory at start
    late.late = True
    await asyncio.sleep(room_count.ROOM_FRESH_SECONDS)  # the start's snapshot is no longer fresh
    answers = [
        await play(
            "127.0.0.1",
            room.port,
            env(f"74{i}.2", "0612345678"),
            variables={"CHANNEL(linkedid)": f"74{i}.1"},
            limit=5.0,
        )
        for i in range(2)
    ]
    v = answers[0].variables
    # the abandon the store knew at start: a call back, decided, not degraded
    assert (v["QUEUE_PRIO"], v["CALLCENTER_ROUTE"], v["CALLCENTER_DEGRADED"]) == (
        "10",
        "queue",
        "0",
    )
    assert v["CALLCENTER_LINKED_CALLS"] == "730.1"
    # the second: the first is linked from memory; the room (731.1 + 740.1) is full
    w = answers[1].variables
    assert (w["CALLCENTER_LINKED_CALLS"], w["CALLCENTER_ROUTE"]) == ("740.1&730.1", "overflow")
    p = (await room.entered("740.1"))["payload"]
    assert p["degraded"] is False
    assert {"repeat_lookup_timeout", "repeat_lookup_from_memory", "room_lookup_timeout"} <= set(
        p["notes"]
    )
    assert any(n.startswith("room_from_snapshot: ") for n in p["notes"])
    assert room.server.stats.overran == 0


async def test_a_room_snapshot_too_old_is_not_used(
    make_room: RoomFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(room_count, "ROOM_MEMORY_SECONDS", 0.0)
    monkeypatch.setattr(room_count, "ROOM_FRESH_SECONDS", 0.0)
    late = LateStore(StoreLookups((await make_room()).store.engine))
    room = await make_room(lookups=late, budget=1.0)
    late.late = True
    result = await play(
        "127.0.0.1", room.port, env("750.2", "0612345678"), variables=LINKED, limit=5.0
    )
    assert (result.variables["CALLCENTER_ROUTE"], result.variables["CALLCENTER_DEGRADED"]) == (
        "queue",
        "1",
    )
    p = (await room.entered(LINKEDID1))["payload"]
    assert "room count unavailable" in p["reason"]
    assert "repeat_lookup_from_memory" in p["notes"]  # the repeat check still ran


class CountingLookups:
    """The store, counting the room queries."""

    def __init__(self, inner: StoreLookups) -> None:
        self.inner = inner
        self.room_queries = 0

    async def prior_calls(
        self, numbers: Collection[str], since: datetime, limit: int = 20
    ) -> Mapping[str, Sequence[PriorCall]]:
        return await self.inner.prior_calls(numbers, since, limit)

    async def room(self, pending: Collection[str]) -> RoomSnapshot:
        self.room_queries += 1
        return await self.inner.room(pending)


async def test_callers_within_a_quarter_second_share_one_room_count(
    make_room: RoomFactory,
) -> None:
    first = await make_room()
    counting = CountingLookups(StoreLookups(first.store.engine))
    room = await make_room(lookups=counting, capacity=2)

    async def call(n: int, query: bytes = b"qualify?x=1") -> str:
        raw = env(f"76{n}.2", f"061234567{n}").replace(b"qualify?x=1", query)
        answer = await play(
            "127.0.0.1", room.port, raw, variables={"CHANNEL(linkedid)": f"76{n}.1"}
        )
        return answer.variables["CALLCENTER_ROUTE"]

    # one query for the first caller; the next two use its snapshot (and the ledger's count)
    assert [await call(0), await call(1), await call(2)] == ["queue", "queue", "overflow"]
    assert counting.room_queries == 1
    # an overflow retry always counts again, as does anyone once the snapshot is a quarter
    # second old
    assert await call(2, b"qualify?retry=1") == "overflow"
    assert counting.room_queries == 2
    await asyncio.sleep(room_count.ROOM_FRESH_SECONDS + 0.05)
    await call(3)
    assert counting.room_queries == 3
