"""Calls a seat's own phone placed (call-backs) across an AMI reconnect: the CoreShowChannels
snapshot lists them with the line-19 calls, but they are no callers of line 19.

The frames are those of a real Asterisk 20 (shapes of tests/fixtures/ts-reconnect*.ami) for the
room's call-back: ``Originate`` of ``PJSIP/seat01`` into context ``callbacks``, whose dialplan
runs ``Dial(PJSIP/${EXTEN}@trunk,60)``; in the snapshot the seat's leg runs ``Dial`` and the
number's leg ``AppDial`` "(Outgoing Line)", both in one bridge once the number answered.
"""

from __future__ import annotations

from callcenter.ami.bridge import Item
from callcenter.ami.ingest import ingest_streams
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import make_room

BANNER = b"Asterisk Call Manager/9.0.0\r\n"


def msg(*lines: str) -> bytes:
    return "".join(f"{line}\r\n" for line in lines).encode() + b"\r\n"


def login(n: int) -> bytes:
    return BANNER + msg(
        "Response: Success", f"ActionID: r{n}-1", "Message: Authentication accepted"
    )


def queue_status(n: int, members: list[tuple[int, str]]) -> bytes:
    """Seats ``(number, status)`` of queue line19 (2: in use, 1: not in use)."""
    aid = f"ActionID: r{n}-2"
    out = msg("Response: Success", aid, "EventList: start", "Message: Queue status will follow")
    for seat, status in members:
        out += msg(
            "Event: QueueMember",
            "Queue: line19",
            f"Name: Seat {seat:02d}",
            f"Location: PJSIP/seat{seat:02d}",
            f"StateInterface: PJSIP/seat{seat:02d}",
            "Membership: static",
            "Penalty: 0",
            "CallsTaken: 0",
            "LastCall: 0",
            "LastPause: 0",
            "LoginTime: 1795400000",
            f"InCall: {1 if status == 2 else 0}",
            f"Status: {status}",
            "Paused: 0",
            "PausedReason: ",
            "Wrapuptime: 0",
            aid,
        )
    return out + msg(
        "Event: QueueStatusComplete", aid, "EventList: Complete", f"ListItems: {len(members)}"
    )


def channel_headers(name: str, uid: str, lid: str, context: str, exten: str) -> list[str]:
    return [
        f"Channel: {name}",
        "ChannelState: 6",
        "ChannelStateDesc: Up",
        "CallerIDNum: <unknown>",
        "CallerIDName: <unknown>",
        "ConnectedLineNum: <unknown>",
        "ConnectedLineName: <unknown>",
        "Language: en",
        "AccountCode: ",
        f"Context: {context}",
        f"Exten: {exten}",
        "Priority: 1",
        f"Uniqueid: {uid}",
        f"Linkedid: {lid}",
    ]


def event(kind: str, at: float, headers: list[str], *extra: str) -> bytes:
    return msg(f"Event: {kind}", "Privilege: call,all", f"Timestamp: {at:.6f}", *headers, *extra)


def seat_leg(seat: int, n: int) -> list[str]:
    uid = f"1795400000.{n}"
    number = f"06120000{seat:02d}"
    return channel_headers(f"PJSIP/seat{seat:02d}-{n:08x}", uid, uid, "callbacks", number)


def number_leg(seat: int, n: int) -> list[str]:
    return channel_headers(
        f"PJSIP/trunk-{n + 1:08x}", f"1795400000.{n + 1}", f"1795400000.{n}", "from-pstn", "s"
    )


def callback_started(seat: int, n: int, at: float) -> bytes:
    """The seat's phone rings, picks up, the number is dialled (Originate Reason 4)."""
    number = f"06120000{seat:02d}"
    return (
        event("Newchannel", at, seat_leg(seat, n))
        + msg(
            "Event: OriginateResponse",
            "Privilege: call,all",
            f"Timestamp: {at + 2:.6f}",
            f"ActionID: cb-{seat}",
            "Response: Success",
            f"Channel: PJSIP/seat{seat:02d}-{n:08x}",
            "Context: callbacks",
            f"Exten: {number}",
            "Reason: 4",
            f"Uniqueid: 1795400000.{n}",
            "CallerIDNum: <unknown>",
            "CallerIDName: <unknown>",
        )
        + event("Newchannel", at + 2, number_leg(seat, n))
    )


def callback_ended(seat: int, n: int, at: float) -> bytes:
    cause = ("Cause: 16", "Cause-txt: Normal Clearing")
    return event("Hangup", at, number_leg(seat, n), *cause) + event(
        "Hangup", at, seat_leg(seat, n), *cause
    )


def show_channels(n: int, rows: list[tuple[list[str], str, str, str]]) -> bytes:
    """CoreShowChannel rows: (channel headers, application, its data, bridge id)."""
    aid = f"ActionID: r{n}-4"
    out = msg("Response: Success", aid, "EventList: start", "Message: Channels will follow")
    for headers, app, data, bridge in rows:
        out += msg(
            "Event: CoreShowChannel",
            aid,
            *headers,
            f"Application: {app}",
            f"ApplicationData: {data}",
            "Duration: 00:00:12",
            f"BridgeId: {bridge}",
        )
    return out + msg(
        "Event: CoreShowChannelsComplete", aid, "EventList: Complete", f"ListItems: {len(rows)}"
    )


def callback_rows(seat: int, n: int, bridge: str) -> list[tuple[list[str], str, str, str]]:
    dial = f"PJSIP/06120000{seat:02d}@trunk,60"
    return [
        (seat_leg(seat, n), "Dial", dial, bridge),
        (number_leg(seat, n), "AppDial", "(Outgoing Line)", bridge),
    ]


async def test_call_backs_across_a_reconnect_stay_outside_line_19(
    sqlite_store: TimelineStore,
) -> None:
    room = make_room(sqlite_store)
    emitted: list[Item] = []

    def emit(item: Item) -> None:
        emitted.append(item)
        room.runner.put_nowait(item)

    room.bridge.emit = emit
    room.runner.start()
    t = 1795400010.0
    # Seat 01 calls back before the connection drops and is still talking after it; Seat 03's
    # call-back ends during the gap; Seat 02 calls back during the gap (we never saw it start)
    before = (
        login(1)
        + queue_status(1, [(1, 1), (2, 1), (3, 1)])
        + show_channels(1, [])
        + callback_started(1, 10, t)
        + callback_started(3, 30, t + 1)
    )
    after = (
        login(2)
        + queue_status(2, [(1, 2), (2, 2), (3, 1)])
        + show_channels(
            2,
            callback_rows(1, 10, "8d3c1f4e-0b7a-4c55-9d1e-2f3a4b5c6d01")
            + callback_rows(2, 20, "8d3c1f4e-0b7a-4c55-9d1e-2f3a4b5c6d02"),
        )
    )
    await ingest_streams([("before", before), ("after", after)], room.bridge, room.runner)

    bridge = room.bridge
    assert bridge.live_calls() == set()  # no line-19 call is up
    # the panel can still hang up each seat's call-back, and only a live one
    assert bridge.seat_channel("PJSIP/seat01") == "PJSIP/seat01-0000000a"
    assert bridge.seat_channel("PJSIP/seat02") == "PJSIP/seat02-00000014"
    assert bridge.seat_channel("PJSIP/seat03") is None

    t2 = t + 60
    ended = callback_ended(1, 10, t2) + callback_ended(2, 20, t2 + 1)
    await ingest_streams([("ended", ended)], bridge, room.runner)
    await room.runner.close()

    assert bridge.seat_channel("PJSIP/seat01") is None
    assert bridge.seat_channel("PJSIP/seat02") is None
    callbacks = {f"1795400000.{n}" for n in (10, 20, 30)}
    # nothing was said about them: no entered, line_ended, resynced, lost or anomaly
    assert [i for i in emitted if i.call_id in callbacks] == []
    for call_id in sorted(callbacks):
        assert await sqlite_store.get_call(call_id) is None
    assert bridge.live_calls() == set()
