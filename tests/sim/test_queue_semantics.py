"""app_queue behaviour of the simulator, observed on its AMI events."""

from __future__ import annotations

from pathlib import Path

from callcenter.sim.calls import CallSpec
from callcenter.sim.clock import VirtualDriver
from callcenter.sim.config import parse_queues_conf
from callcenter.sim.engine import Simulator
from callcenter.sim.members import pause
from callcenter.sim.options import SimOptions
from tests.sim import fidelity

ROOT = Path(__file__).resolve().parents[2]
PROJECT_CONF = (ROOT / "asterisk" / "queues.conf").read_text()


class Room:
    def __init__(self, conf: str = PROJECT_CONF, **options: object) -> None:
        opts = SimOptions(seed=11, ring_min=1, ring_max=1)
        for key, value in options.items():
            setattr(opts, key, value)
        self.sim = Simulator(parse_queues_conf(conf), opts)
        self.got: list[bytes] = []
        self.sim.stream.listeners.append(lambda _n, _p, data: self.got.append(data))
        self.driver = VirtualDriver(self.sim)

    def only(self, *seats: str) -> None:
        for m in self.sim.queue("line19").members:
            if m.name not in seats:
                pause(self.sim, "line19", m.interface, True, "test")
        self.got.clear()

    def events(self, kind: str) -> list[fidelity.Message]:
        return [m for m in fidelity.messages(b"".join(self.got)) if fidelity.kind(m) == kind]

    def kinds(self) -> list[str]:
        return [fidelity.kind(m) for m in fidelity.messages(b"".join(self.got))]


async def test_ring_timeout_then_retry_on_the_next_seat() -> None:
    room = Room(manual_seats=frozenset({"PJSIP/seat01"}))
    room.only("Seat 01", "Seat 02")
    room.sim.new_call(CallSpec(number="0600000001", patience=100, talk=10))
    await room.driver.run_for(40)
    no_answer = room.events("AgentRingNoAnswer")
    assert [fidelity.get(m, "MemberName") for m in no_answer] == ["Seat 01"]
    assert fidelity.get(no_answer[0], "RingTime") == "15000"  # timeout 15 s, in ms
    called = [fidelity.get(m, "MemberName") for m in room.events("AgentCalled")]
    assert called == ["Seat 01", "Seat 02"]  # rrmemory: the next seat after the retry
    connect = room.events("AgentConnect")[0]
    assert fidelity.get(connect, "MemberName") == "Seat 02"
    assert fidelity.get(connect, "RingTime") == "1"  # seconds here
    assert 16 <= int(fidelity.get(connect, "HoldTime")) <= 18  # 15 + retry 1 + ring 1


async def test_leastrecent_rings_the_seat_idle_longest_and_wrapup_is_kept() -> None:
    conf = PROJECT_CONF.replace("strategy = rrmemory", "strategy = leastrecent")
    room = Room(conf)
    room.only("Seat 01", "Seat 02")
    room.sim.new_call(CallSpec(number="0600000001", patience=100, talk=10))
    await room.driver.run_for(30)  # Seat 01 took it (both never called: member order)
    room.sim.new_call(CallSpec(number="0600000002", patience=100, talk=10))
    await room.driver.run_for(30)  # Seat 02 never called: idle longest
    room.sim.new_call(CallSpec(number="0600000003", patience=100, talk=10))
    await room.driver.run_for(30)
    called = [fidelity.get(m, "MemberName") for m in room.events("AgentCalled")]
    assert called == ["Seat 01", "Seat 02", "Seat 01"]

    # wrap-up (5 s): a caller arriving right after a call waits for the seat's wrap-up
    room.only("Seat 01")
    room.sim.new_call(CallSpec(number="0600000004", patience=100, talk=3))
    await room.driver.run_for(4.5)  # ring 1 s + talk 3 s: the call just ended
    room.sim.new_call(CallSpec(number="0600000005", patience=100, talk=3))
    await room.driver.run_for(3)
    assert len(room.events("AgentCalled")) == 1  # still in wrap-up
    await room.driver.run_for(5)
    assert len(room.events("AgentCalled")) == 2


async def test_caller_hangs_up_during_the_conversation() -> None:
    room = Room()
    room.only("Seat 03")
    room.sim.new_call(CallSpec(number="0600000001", patience=100, talk=7, caller_ends=True))
    await room.driver.run_for(20)
    complete = room.events("AgentComplete")
    assert fidelity.get(complete[0], "Reason") == "caller"
    assert fidelity.get(complete[0], "TalkTime") in ("6", "7", "8")
    hangups = [fidelity.get(m, "Channel") for m in room.events("Hangup")]
    assert "@from-pstn" in hangups[0] and hangups[-1].startswith("PJSIP/seat03-")
    assert room.sim.tally.answered == 1


async def test_caller_abandons_while_a_seat_rings_and_unpause_serves_the_queue() -> None:
    room = Room(manual_seats=frozenset({"PJSIP/seat04"}))
    room.only("Seat 04")
    room.sim.new_call(CallSpec(number="0600000001", patience=5))
    await room.driver.run_for(10)
    kinds = room.kinds()
    assert kinds.index("AgentCalled") < kinds.index("QueueCallerAbandon")
    cancel = [m for m in room.events("DialEnd") if fidelity.get(m, "DialStatus") == "CANCEL"]
    assert len(cancel) == 1
    statuses = [fidelity.get(m, "Status") for m in room.events("QueueMemberStatus")]
    assert statuses == ["6", "1"]
    abandon = room.events("QueueCallerAbandon")[0]
    assert (fidelity.get(abandon, "Position"), fidelity.get(abandon, "HoldTime")) == ("1", "5")
    assert room.sim.tally.abandoned == 1

    # every seat paused: callers wait; unpausing one serves them in order
    pause(room.sim, "line19", "PJSIP/seat04", True, "break")
    room.got.clear()
    for n in range(3):
        room.sim.new_call(CallSpec(number=f"060000001{n}", patience=300, talk=2))
    await room.driver.run_for(30)
    assert room.events("AgentCalled") == []
    room.sim.manual.clear()
    pause(room.sim, "line19", "Seat 05", False)
    await room.driver.run_for(60)
    served = [fidelity.get(m, "CallerIDNum") for m in room.events("AgentConnect")]
    assert served == ["0600000010", "0600000011", "0600000012"]
    leaves = [fidelity.get(m, "Position") for m in room.events("QueueCallerLeave")]
    assert leaves == ["1", "1", "1"]


async def test_caller_hang_up_order_matches_the_recording_with_local_seats() -> None:
    """ts-agent-dump part E: AgentComplete Reason=caller, the caller's Hangups, then the seat
    leg ;1, QueueMemberStatus 1, and the seat's ;2 last."""
    conf = (ROOT / "tests" / "fixtures" / "sim-recorded-queues.conf").read_text()
    room = Room(conf, talk_min=20, talk_max=20)
    room.only("Seat 10")
    room.sim.new_call(CallSpec(number="0500000005", lifetime=5.0))
    await room.driver.run_for(30)
    rows = [
        (r["kind"], r.get("Channel", ""))
        for r in fidelity.queue_sequence(fidelity.messages(b"".join(room.got)))
    ]
    start = rows.index(next(r for r in rows if r[0] == "AgentComplete"))
    assert rows[start:] == [
        ("AgentComplete", "C1;2"),
        ("Hangup", "C1;1"),
        ("BridgeLeave", "C1;2"),
        ("Hangup", "C1;2"),
        ("BridgeLeave", "seat10;1"),
        ("Hangup", "seat10;1"),
        ("QueueMemberStatus", ""),
        ("Hangup", "seat10;2"),
    ]
    complete = room.events("AgentComplete")[0]
    assert fidelity.get(complete, "Reason") == "caller"
    assert fidelity.get(complete, "TalkTime") in ("3", "4")


async def test_blind_transfer_back_into_the_queue() -> None:
    """ts-blind-transfer part 2: AMI BlindTransfer of the seat's leg to transfer,requeue."""
    from callcenter.sim import ami_actions
    from callcenter.sim.frames import Action

    conf = (ROOT / "tests" / "fixtures" / "sim-recorded-queues.conf").read_text()
    room = Room(conf, talk_min=20, talk_max=20)
    room.only("Seat 06", "Seat 07")
    room.sim.new_call(CallSpec(number="0500000002", lifetime=60.0))
    await room.driver.run_for(3)
    seat = fidelity.get(room.events("AgentConnect")[0], "DestChannel")

    def transfer(channel: str, exten: str) -> list[fidelity.Message]:
        action = Action(
            [
                ("Action", "BlindTransfer"),
                ("ActionID", "t1"),
                ("Channel", channel),
                ("Context", "transfer"),
                ("Exten", exten),
            ]
        )
        return fidelity.messages(ami_actions.handle(room.sim, action))

    assert fidelity.get(transfer(seat, "seat06")[0], "Message") == "Transfer failed: seat06 is busy"
    assert fidelity.get(transfer(seat, "seat99")[0], "Message") == "Transfer failed: no seat seat99"
    assert fidelity.get(transfer("Local/nope;1", "requeue")[0], "Message") == "No such channel"
    room.got.clear()
    assert fidelity.get(transfer(seat, "requeue")[0], "Message") == "Transfer succeeded"
    await room.driver.run_for(10)
    rows = [
        (r["kind"], r.get("Channel", ""), r.get("MemberName", ""), r.get("Reason", ""))
        for r in fidelity.queue_sequence(fidelity.messages(b"".join(room.got)))
        if r["kind"] != "QueueMemberStatus"
    ]
    assert rows[:11] == [
        ("Unhold", "seat06;1", "", ""),
        ("BlindTransfer", "", "", ""),
        ("AgentComplete", "C1;2", "Seat 06", "transfer"),
        ("BridgeLeave", "C1;2", "", ""),
        ("BridgeLeave", "seat06;1", "", ""),
        ("QueueCallerJoin", "C1;2", "", ""),
        ("Hangup", "seat06;2", "", ""),
        ("Hangup", "seat06;1", "", ""),
        ("AgentCalled", "C1;2", "Seat 07", ""),
        ("DialEnd", "C1;2", "", ""),
        ("QueueCallerLeave", "C1;2", "", ""),
    ]
    blind = room.events("BlindTransfer")[0]
    assert fidelity.get(blind, "TransfererChannel") == seat
    assert fidelity.get(blind, "Extension") == "requeue"
    connect = room.events("AgentConnect")[0]
    assert fidelity.get(connect, "MemberName") == "Seat 07"
    assert int(fidelity.get(connect, "HoldTime")) <= 2  # counted from the new join
    real = fidelity.header_names(
        fidelity.messages((ROOT / "tests" / "fixtures" / "ts-blind-transfer.ami").read_bytes())
    )
    mine = fidelity.header_names(fidelity.messages(b"".join(room.got)))
    for event in ("Unhold", "BlindTransfer", "AgentComplete", "QueueCallerJoin"):
        assert [k for k in mine[event] if k != "Timestamp"] == [
            k for k in real[event] if k != "Timestamp"
        ], event


async def test_direct_transfer_to_a_seat_played_by_a_person() -> None:
    from callcenter.sim.members import answer_seat, hangup_seat
    from callcenter.sim.transfer import blind_transfer

    room = Room(manual_seats=frozenset({"PJSIP/seat02"}))
    room.only("Seat 01")
    room.sim.new_call(CallSpec(number="0600000001", patience=100, talk=50))
    await room.driver.run_for(3)
    seat = fidelity.get(room.events("AgentConnect")[0], "DestChannel")
    room.got.clear()
    blind_transfer(room.sim, seat, "transfer", "seat02")  # Seat 02 is paused: direct dial
    await room.driver.run_for(30)  # a person's phone: rings until picked up
    assert [fidelity.get(m, "DialStatus") for m in room.events("DialEnd")] == []
    channel = answer_seat(room.sim, "Seat 02")
    assert channel.startswith("PJSIP/seat02-")
    await room.driver.run_for(100)  # talks until the person hangs up
    assert room.sim.calls
    hangup_seat(room.sim, "seat02")
    assert not room.sim.calls and room.sim.tally.answered == 1
    kinds = room.kinds()
    assert "AgentCalled" not in kinds and "QueueCallerJoin" not in kinds
    assert kinds.count("BridgeEnter") == 2 and kinds.count("BridgeDestroy") == 2
    statuses = [
        (fidelity.get(m, "MemberName"), fidelity.get(m, "Status"))
        for m in room.events("QueueMemberStatus")
    ]
    assert statuses == [("Seat 01", "1"), ("Seat 02", "6"), ("Seat 02", "2"), ("Seat 02", "1")]
    assert room.sim.scheduler.errors == 0
