"""translate.py on single frames: units, names, clocks, and what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime

from callcenter.ami import facts as f
from callcenter.ami.frames import parse_stream
from callcenter.ami.translate import Translator
from callcenter.domain import events as ev
from callcenter.domain.events import Clock

NOW = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


def frame(text: str) -> list[tuple[str, str]]:
    frames, _ = parse_stream(text.replace("\n", "\r\n").encode() + b"\r\n\r\n")
    return frames[0]


RNA = """Event: AgentRingNoAnswer
Privilege: agent,all
Timestamp: 1795319870.123456
Channel: Local/19@from-pstn-00000001;2
Uniqueid: 1795319869.383
Linkedid: 1795319869.382
Queue: line19
Interface: Local/seat03@seats/n
MemberName: Seat 03
RingTime: 1000"""

CONNECT = """Event: AgentConnect
Privilege: agent,all
Uniqueid: 1795319869.383
Linkedid: 1795319869.382
DestUniqueid: 1795319869.390
Queue: line19
MemberName: Seat 04
HoldTime: 2
RingTime: 1"""


def test_ring_time_units_and_clocks() -> None:
    t = Translator()
    rna = t.translate(frame(RNA), NOW)
    connect = t.translate(frame(CONNECT), NOW)
    assert isinstance(rna[0], ev.SeatRingNoAnswer)
    assert rna[0].ring_ms == 1000
    assert rna[0].clock is Clock.PBX
    assert rna[0].at == datetime.fromtimestamp(1795319870.123456, UTC)
    assert rna[0].call_id == "1795319869.382"
    assert isinstance(connect[0], ev.CallAnswered)
    assert (connect[0].ring_seconds, connect[0].hold_seconds) == (1, 2)
    assert connect[0].clock is Clock.ARRIVAL and connect[0].at == NOW


def test_source_id_ignores_action_id_and_counts_identical_frames() -> None:
    t1, t2 = Translator(), Translator()
    a = t1.translate(frame(CONNECT + "\nActionID: one"), NOW)[0]
    b = t2.translate(frame(CONNECT + "\nActionID: two"), NOW)[0]
    again = t1.translate(frame(CONNECT + "\nActionID: one"), NOW)[0]
    assert isinstance(a, ev.CallEvent) and isinstance(b, ev.CallEvent)
    assert isinstance(again, ev.CallEvent)
    assert a.source_id == b.source_id
    assert again.source_id == a.source_id + "#2"


def test_list_and_pushed_member_names() -> None:
    t = Translator()
    listed = t.translate(
        frame(
            "Event: QueueMember\nQueue: line19\nName: Seat 01\nLocation: Local/seat01@seats/n\n"
            "InCall: 1\nStatus: 2\nPaused: 0\nPausedReason: \nActionID: x-2"
        ),
        NOW,
    )
    pushed = t.translate(
        frame(
            "Event: QueueMemberPause\nPrivilege: agent,all\nQueue: line19\nMemberName: Seat 21\n"
            "Interface: Local/seat21@seats/n\nStatus: 1\nPaused: 1\nPausedReason: lunch\nInCall: 0"
        ),
        NOW,
    )
    assert listed == [
        f.MemberState(
            queue="line19",
            name="Seat 01",
            interface="Local/seat01@seats/n",
            status=2,
            paused=False,
            reason="",
            in_call=True,
            listed=True,
        )
    ]
    assert isinstance(pushed[0], f.MemberState)
    assert (pushed[0].name, pushed[0].paused, pushed[0].reason) == ("Seat 21", True, "lunch")


def test_noise_unknown_and_malformed_are_counted() -> None:
    t = Translator()
    assert t.translate(frame("Event: Newexten\nChannel: x"), NOW) == []
    assert t.translate(frame("Event: VarSet\nVariable: QUEUE_PRIO\nValue: 10"), NOW) == []
    assert t.translate(frame("Event: SomethingNew\nFoo: bar"), NOW) == []
    assert t.translate(frame(CONNECT.replace("HoldTime: 2", "HoldTime: two")), NOW) == []
    assert t.translate(frame(CONNECT.replace("Linkedid: 1795319869.382", "Linkedid: ")), NOW) == []
    assert t.translate(frame("Response: Success\nActionID: nobody-asked"), NOW) == []
    assert t.translate(frame("Junk: only"), NOW) == []
    assert (t.stats.ignored, t.stats.unparsable, t.stats.responses) == (3, 3, 1)


def test_queue_full_is_the_varset_on_the_caller_channel() -> None:
    t = Translator()
    out = t.translate(
        frame(
            "Event: VarSet\nPrivilege: dialplan,all\nChannel: Local/19@from-pstn-0000002;2\n"
            "Uniqueid: 1.2\nLinkedid: 1.1\nVariable: QUEUESTATUS\nValue: FULL"
        ),
        NOW,
    )
    assert len(out) == 1 and isinstance(out[0], ev.QueueFull)
    assert out[0].call_id == "1.1"


def test_late_agent_complete_without_channel_fields_finds_its_call_by_seat() -> None:
    from callcenter.ami.bridge import Bridge
    from callcenter.ami.seat_board import LiveSeatBoard

    out: list[object] = []
    bridge = Bridge(out.append, LiveSeatBoard())
    bridge.on_frame(frame(CONNECT), NOW)
    bridge.on_frame(
        frame(
            "Event: AgentComplete\nPrivilege: agent,all\nQueue: line19\n"
            "Interface: Local/seat04@seats/n\nMemberName: Seat 04\nHoldTime: 2\n"
            "TalkTime: 95\nReason: caller"
        ),
        NOW,
    )
    ended = out[-1]
    assert isinstance(ended, ev.ConversationEnded)
    assert (ended.call_id, ended.talk_seconds) == ("1795319869.382", 95)
