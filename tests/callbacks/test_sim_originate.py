"""A call-back Originate against the simulator's AMI, and what the bridge makes of Asterisk's
answers: the seat picks up (OriginateResponse Reason 4) and the number answers, is busy or does
not answer (the seat channel's DialEnd), or the seat itself is busy (Reason 5)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from callcenter.ami.bridge import Bridge
from callcenter.ami.frames import FrameParser
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.ami.translate import is_noise
from callcenter.domain import callback_pbx
from callcenter.domain.events import CallbackEnded, CallEntered, LineEnded
from callcenter.sim import ami_actions
from callcenter.sim.clock import VirtualDriver
from callcenter.sim.config import load_queues_conf
from callcenter.sim.engine import Simulator
from callcenter.sim.frames import Action
from callcenter.sim.options import SimOptions

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = {"0612000002": "BUSY", "0612000003": "NOANSWER", "0612000004": "CONGESTION"}


def simulator() -> Simulator:
    opts = SimOptions(seed=7, callback_answers=dict(ANSWERS))
    sim = Simulator(load_queues_conf(ROOT / "asterisk" / "queues.conf"), opts)
    for m in sim.queue("line19").members:
        m.paused = True  # no queue call gets in the way
    return sim


def act(sim: Simulator, fields: list[tuple[str, str]]) -> bytes:
    return ami_actions.handle(sim, Action(fields))


def originate(sim: Simulator, seat: str, number: str, action_id: str) -> bytes:
    return act(
        sim,
        [
            ("Action", "Originate"),
            ("ActionID", action_id),
            ("Channel", seat),
            ("Context", "callbacks"),
            ("Exten", number),
            ("Priority", "1"),
            ("Timeout", "30000"),
            ("Async", "true"),
        ],
    )


async def test_each_answer_of_asterisk_becomes_the_attempts_result() -> None:
    sim = simulator()
    got: list[bytes] = []
    sim.stream.listeners.append(lambda _n, _p, data: got.append(data))
    # the bridge learns the seats as after a (re)connection: QueueStatus
    got.append(act(sim, [("Action", "QueueStatus"), ("ActionID", "qs-1")]))
    calls = {
        "PJSIP/seat01": ("0612000001", "c-reached"),
        "PJSIP/seat02": ("0612000002", "c-busy"),
        "PJSIP/seat03": ("0612000003", "c-noanswer"),
        "PJSIP/seat04": ("0612000004", "c-congestion"),
    }
    for seat, (number, call_id) in calls.items():
        reply = originate(sim, seat, number, callback_pbx.action_id(call_id, 1))
        assert b"Response: Success" in reply  # "Originate successfully queued"
    await VirtualDriver(sim).run_for(5)
    # the seat on the phone already: Asterisk refuses the seat's leg (busy)
    originate(sim, "PJSIP/seat01", "0612000009", callback_pbx.action_id("c-seat-busy", 2))
    await VirtualDriver(sim).run_for(90)

    items: list[object] = []
    bridge = Bridge(items.append, LiveSeatBoard())
    parser = FrameParser(noise=is_noise)
    now = datetime.now(UTC)
    for chunk in got:
        for frame in parser.feed(chunk):
            bridge.on_frame(frame, now)

    ended = {e.call_id: e for e in items if isinstance(e, CallbackEnded)}
    assert {k: (e.result, e.attempt) for k, e in ended.items()} == {
        "c-reached": ("reached", 1),
        "c-busy": ("busy", 1),
        "c-noanswer": ("no_answer", 1),
        "c-congestion": ("invalid", 1),
        "c-seat-busy": ("seat_busy", 2),
    }
    assert ended["c-reached"].seat == "Seat 01" and ended["c-reached"].code == "ANSWER"
    assert ended["c-seat-busy"].code == "reason 5"
    # the seats' own calls are no line-19 callers: no call entered, none ended
    assert not [e for e in items if isinstance(e, CallEntered | LineEnded)]
    # each result once, with a source id of its own (a replay records nothing new)
    assert len({e.source_id for e in ended.values()}) == len(ended)
    assert sim.scheduler.errors == 0
