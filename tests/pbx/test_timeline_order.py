"""Issue 14, item 6: a call's steps are numbered in the order things happened.

On a real Asterisk 20 every call's step 1 was ``entry_decision`` (callcenter's FastAGI, at
arrival time) and step 2 ``entered`` (the PBX's Newchannel, about 0.5 s EARLIER: the AGI runs
after ``Answer()``), and ``rang_at`` took the later time: the bridge held the ``entered`` step
back until the queue join. Now the bridge hands it over as soon as the caller ID is known
(before Asterisk even opens the FastAGI connection), ``rang_at`` is the PBX's channel
creation, and where the clocks still disagree (a bridge behind, a skewed clock) a step is
never stored before the previous step's time: it is placed at that time and keeps its own
(``pbx_at`` for Asterisk's, ``event_at`` in the payload).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callcenter.ami.bridge import Bridge
from callcenter.ami.frames import parse_stream
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.domain.events import CallEntered, CallEvent, Clock
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.databases import sqlite_url

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
T0 = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)


def bridge_events(name: str) -> list[tuple[int, object]]:
    """(frame index, item) for everything the bridge emits on a recorded transcript."""
    got: list[tuple[int, object]] = []
    index = [0]
    bridge = Bridge(lambda item: got.append((index[0], item)), LiveSeatBoard(), offline=True)
    frames, _ = parse_stream((FIXTURES / name).read_bytes())
    for i, frame in enumerate(frames):
        index[0] = i
        bridge.on_frame(frame, T0)
    return got


def first_frame(name: str, **headers: str) -> int:
    frames, _ = parse_stream((FIXTURES / name).read_bytes())
    for i, frame in enumerate(frames):
        fields = dict(frame)
        if all(fields.get(k) == v for k, v in headers.items()):
            return i
    raise AssertionError(headers)


def test_the_entered_step_leaves_the_bridge_before_the_agi_starts() -> None:
    """fastagi.ami: the AMI side of a recorded FastAGI session (Local channels, whose caller
    ID comes in NewCallerid right after Newchannel)."""
    entered = [(i, e) for i, e in bridge_events("fastagi.ami") if isinstance(e, CallEntered)]
    assert entered
    i, event = entered[0]
    agi = first_frame("fastagi.ami", Event="Newexten", Application="AGI", Linkedid=event.call_id)
    assert i < agi
    assert event.caller_raw  # and it knows the caller


def test_a_sip_caller_is_entered_at_its_newchannel() -> None:
    """sipp-call.ami: a real SIP channel carries its caller ID in Newchannel itself."""
    newchannel = first_frame("sipp-call.ami", Event="Newchannel")
    entered = [(i, e) for i, e in bridge_events("sipp-call.ami") if isinstance(e, CallEntered)]
    assert entered[0][0] == newchannel
    assert entered[0][1].caller_raw == "sipp"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[TimelineStore]:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    yield TimelineStore(engine)
    await engine.dispose()


def pbx_entered(at: datetime) -> CallEntered:
    return CallEntered(
        call_id="c1",
        at=at,
        received_at=at + timedelta(milliseconds=3),
        source_id="ami:Newchannel:c1",
        clock=Clock.PBX,
        caller_raw="0612345678",
        channel="PJSIP/trunk-00000001",
    )


def agi_decision(at: datetime) -> CallEntered:
    return CallEntered(
        call_id="c1",
        at=at,
        received_at=at,
        source_id="agi:c1",
        clock=Clock.ARRIVAL,
        caller_raw="0612345678",
        route="queue",
        priority=10,
        reason="callback after an abandoned call",
    )


async def run(store: TimelineStore, *events: CallEvent) -> list[dict[str, object]]:
    processor = CallProcessor(store, NullNotifier())
    for event in events:
        await processor.handle(event)
    return list(await store.timeline("c1"))


async def test_in_time_order_entered_comes_first_and_rang_at_is_the_pbxs(
    store: TimelineStore,
) -> None:
    steps = await run(store, pbx_entered(T0), agi_decision(T0 + timedelta(seconds=0.5)))
    assert [(s["seq"], s["kind"]) for s in steps] == [(1, "entered"), (2, "entry_decision")]
    assert "priority" not in steps[0]["payload"]  # the PBX said nothing of a priority
    assert steps[1]["payload"]["priority"] == 10
    call = await store.get_call("c1")
    assert call is not None and call["rang_at"] == T0


async def test_a_late_entered_step_keeps_the_order_and_its_own_time(
    store: TimelineStore,
) -> None:
    """The bridge behind (the AMI link loaded): the decision is processed first."""
    steps = await run(store, agi_decision(T0 + timedelta(seconds=0.5)), pbx_entered(T0))
    ats = [s["at"] for s in steps]
    assert ats == sorted(ats)
    entered = next(s for s in steps if s["kind"] == "entered")
    assert entered["pbx_at"] == T0  # Asterisk's own time is kept
    assert entered["payload"]["event_at"] == T0.isoformat()
    call = await store.get_call("c1")
    assert call is not None and call["rang_at"] == T0  # the earliest: the channel's creation


async def test_a_skewed_clock_never_puts_a_step_before_the_previous_one(
    store: TimelineStore,
) -> None:
    """Asterisk's clock 1 s ahead of callcenter's: the decision's arrival time is earlier
    than the Newchannel's PBX time, though it happened after."""
    steps = await run(store, pbx_entered(T0 + timedelta(seconds=1)), agi_decision(T0))
    assert [s["kind"] for s in steps] == ["entered", "entry_decision"]
    assert steps[1]["at"] == steps[0]["at"]
    assert steps[1]["clock"] == "arrival"
    assert steps[1]["payload"]["event_at"] == T0.isoformat()
