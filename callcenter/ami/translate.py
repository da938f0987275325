"""AMI frames to domain events and bridge facts. The only module that knows AMI header names.

``Translator.translate(frame, received_at)`` returns the facts one frame means (often none).
Promises:

- noise events (VarSet other than QUEUESTATUS, Newexten, DeviceStateChange, ...) are ignored
  before any dict is built, and counted in ``stats.ignored``;
- a frame whose fields do not parse (a missing Linkedid, ``HoldTime: abc``) is counted in
  ``stats.unparsable`` and yields nothing; it never raises;
- ``at`` is Asterisk's ``Timestamp`` when the frame has one (``timestampevents = yes``,
  ``clock=pbx``), the arrival time otherwise (``clock=arrival``);
- ``source_id`` is a hash of the frame's headers minus ``ActionID`` (so the same bytes replayed
  give the same ids), suffixed ``#n`` for the n-th identical frame seen by this translator
  (two identical AgentRingNoAnswer without Timestamp are two steps, not one).

Traps handled here (see tests/fixtures and shared/asterisk/README.md): the caller channel of
queue events is not the first leg, every leg shares ``Linkedid`` (the call id); ``RingTime`` is
seconds in AgentConnect and milliseconds in AgentRingNoAnswer; QueueStatus lists say
``Name``/``Location`` where pushed events say ``MemberName``/``Interface``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from callcenter.ami import facts as f
from callcenter.ami.frames import Frame
from callcenter.domain import events as ev
from callcenter.domain.events import Clock

NOISE = frozenset(
    {
        "Newexten",
        "DeviceStateChange",
        "NewConnectedLine",
        "LocalBridge",
        "DialBegin",
        "DialState",
        "DialEnd",
        "HangupRequest",
        "SoftHangupRequest",
        "MusicOnHoldStart",
        "MusicOnHoldStop",
        "BridgeCreate",
        "BridgeDestroy",
        "BridgeEnter",
        "BridgeLeave",
        "Newstate",
        "NewAccountCode",
        "SuccessfulAuth",
        "ChallengeSent",
        "RTCPSent",
        "RTCPReceived",
        "Hold",
        "Unhold",
        "QueueParams",
        "QueueSummary",
        "QueueSummaryComplete",
        "QueueMemberPenalty",
        "QueueMemberRinginuse",
        "OriginateResponse",
        "UserEvent",
        "Cdr",
        "Cel",
        "AGIExecStart",
        "AGIExecEnd",
        "AsyncAGIStart",
        "AsyncAGIExec",
        "AsyncAGIEnd",
        "PeerStatus",
        "ContactStatus",
        "Registry",
        "Reload",
        "Status",
        "StatusComplete",
        "LocalOptimizationBegin",
        "LocalOptimizationEnd",
        "DTMFBegin",
        "DTMFEnd",
    }
)


_NOISE_LINES = frozenset(f"Event: {name}".encode() for name in NOISE)
_QUEUE_STATUS = b"\r\nVariable: QUEUESTATUS\r\n"


def is_noise(raw: bytes) -> bool:
    """For the parser: a raw frame callcenter ignores, told from its first line alone (and
    VarSet unless it sets QUEUESTATUS), so it need not be parsed at all."""
    eol = raw.find(b"\r\n")
    first = raw[:eol] if eol >= 0 else raw
    if first in _NOISE_LINES:
        return True
    return first == b"Event: VarSet" and _QUEUE_STATUS not in raw


@dataclass
class TranslateStats:
    events: int = 0
    responses: int = 0
    ignored: int = 0
    translated: int = 0
    unparsable: int = 0


class UnparsableError(ValueError):
    pass


Handler = Callable[["Translator", dict[str, str], datetime], list[f.Fact]]


class Translator:
    def __init__(self, *, dedupe_window: int = 200_000) -> None:
        self.stats = TranslateStats()
        self._seen: OrderedDict[str, int] = OrderedDict()
        self._window = dedupe_window

    def translate(self, frame: Frame, received_at: datetime) -> list[f.Fact]:
        key, name = frame[0]
        if key != "Event":
            if key == "Response":
                self.stats.responses += 1
                return []
            # list events may put ActionID first
            name = next((v for k, v in frame if k == "Event"), "")
            if not name:
                self.stats.unparsable += 1
                return []
        self.stats.events += 1
        handler = HANDLERS.get(name)
        if handler is None:
            if name != "VarSet" or not _is_queue_status(frame):
                self.stats.ignored += 1
                return []
            handler = _queue_full
        headers = dict(frame)
        try:
            out = handler(self, headers, received_at)
        except (KeyError, ValueError, OverflowError, OSError):  # bad numbers, timestamps
            self.stats.unparsable += 1
            return []
        self.stats.translated += 1
        return out

    def new_stream(self) -> None:
        """A new recorded stream (ingest): identical frames are counted again from one, so the
        same bytes replayed give the same source ids even within one run."""
        self._seen.clear()

    def stamp(self, h: dict[str, str], received_at: datetime) -> f.Stamp:
        ts = h.get("Timestamp")
        if ts:
            at, clock = datetime.fromtimestamp(float(ts), UTC), Clock.PBX
        else:
            at, clock = received_at, Clock.ARRIVAL
        return f.Stamp(at=at, received_at=received_at, clock=clock, source_id=self._source_id(h))

    def _source_id(self, h: dict[str, str]) -> str:
        digest = hashlib.blake2b(digest_size=12)
        for k, v in h.items():
            if k != "ActionID":
                digest.update(f"{k}\0{v}\n".encode())
        key = digest.hexdigest()
        n = self._seen.get(key, 0) + 1
        self._seen[key] = n
        if len(self._seen) > self._window:
            self._seen.popitem(last=False)
        return key if n == 1 else f"{key}#{n}"

    def base(
        self, h: dict[str, str], received_at: datetime, linkedid: str = "Linkedid"
    ) -> dict[str, Any]:
        s = self.stamp(h, received_at)
        call_id = h[linkedid]
        if not call_id:
            raise UnparsableError(linkedid)
        return {
            "call_id": call_id,
            "at": s.at,
            "received_at": s.received_at,
            "clock": s.clock,
            "source_id": s.source_id,
        }


def _is_queue_status(frame: Frame) -> bool:
    return any(k == "Variable" and v == "QUEUESTATUS" for k, v in frame) and any(
        k == "Value" and v == "FULL" for k, v in frame
    )


def _queue_full(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [ev.QueueFull(**t.base(h, now))]


def _newchannel(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        f.ChannelOpened(
            stamp=t.stamp(h, now),
            linkedid=_req(h, "Linkedid"),
            uniqueid=_req(h, "Uniqueid"),
            channel=h.get("Channel", ""),
            caller_num=h.get("CallerIDNum", ""),
        )
    ]


def _newcallerid(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [f.CallerIdChanged(uniqueid=_req(h, "Uniqueid"), caller_num=h.get("CallerIDNum", ""))]


def _hangup(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        f.ChannelClosed(
            stamp=t.stamp(h, now),
            linkedid=_req(h, "Linkedid"),
            uniqueid=_req(h, "Uniqueid"),
            cause=h.get("Cause", ""),
        )
    ]


def _caller_join(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        # first: the caller ID completes a held-back CallEntered before the queue step
        f.CallerIdChanged(uniqueid=_req(h, "Uniqueid"), caller_num=h.get("CallerIDNum", "")),
        ev.CallerQueued(
            **t.base(h, now),
            queue=h["Queue"],
            position=int(h["Position"]),
            count=int(h["Count"]),
            channel=h.get("Channel", ""),
        ),
    ]


def _caller_leave(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        ev.CallerLeftQueue(
            **t.base(h, now), queue=h["Queue"], position=int(h["Position"]), count=int(h["Count"])
        )
    ]


def _caller_abandon(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        ev.CallerAbandoned(
            **t.base(h, now),
            queue=h["Queue"],
            position=int(h["Position"]),
            original_position=int(h["OriginalPosition"]),
            hold_seconds=int(h["HoldTime"]),
        )
    ]


def _agent_called(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    base = t.base(h, now)
    seat = h["MemberName"]
    return [
        ev.SeatOffered(**base, queue=h["Queue"], seat=seat, interface=h.get("Interface", "")),
        f.SeatRinging(name=seat, call_id=base["call_id"]),
    ]


def _agent_ring_no_answer(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    seat = h["MemberName"]
    return [
        # RingTime is milliseconds here (seconds in AgentConnect).
        ev.SeatRingNoAnswer(
            **t.base(h, now), queue=h["Queue"], seat=seat, ring_ms=int(h["RingTime"])
        ),
        f.SeatReleased(name=seat),
    ]


def _agent_dump(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    # The seat hung up before being connected (memberdelay/announce): the caller stays queued
    # and is rung again; the lifecycle has no step for it, the seat board does.
    return [f.SeatReleased(name=h["MemberName"])]


def _agent_connect(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    base = t.base(h, now)
    seat = h["MemberName"]
    return [
        ev.CallAnswered(
            **base,
            queue=h["Queue"],
            seat=seat,
            hold_seconds=int(h["HoldTime"]),
            ring_seconds=int(h["RingTime"]),  # seconds here
        ),
        f.SeatConnected(
            name=seat,
            call_id=base["call_id"],
            seat_uniqueid=h.get("DestUniqueid", ""),
            seat_channel=h.get("DestChannel", ""),
        ),
    ]


def _agent_complete(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    # After a Redirect the late AgentComplete may carry no Channel fields at all; its call id
    # then comes from the Dest* (seat) leg, which shares the Linkedid.
    key = "Linkedid" if h.get("Linkedid") else "DestLinkedid"
    if not h.get(key):
        return [
            f.OrphanConversationEnded(
                stamp=t.stamp(h, now),
                queue=h["Queue"],
                seat=h["MemberName"],
                hold_seconds=int(h["HoldTime"]),
                talk_seconds=int(h["TalkTime"]),
                reason=h.get("Reason", ""),
            )
        ]
    return [
        ev.ConversationEnded(
            **t.base(h, now, key),
            queue=h["Queue"],
            seat=h["MemberName"],
            hold_seconds=int(h["HoldTime"]),
            talk_seconds=int(h["TalkTime"]),
            reason=h.get("Reason", ""),
        )
    ]


def _blind_transfer(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    if h.get("Result") != "Success":
        return []
    key = "TransfereeLinkedid" if h.get("TransfereeLinkedid") else "TransfererLinkedid"
    target = f"{h.get('Context', '')}/{h.get('Extension', '')}"
    return [ev.CallTransferred(**t.base(h, now, key), target=target, kind="blind")]


def _attended_transfer(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    if h.get("Result") != "Success":
        return []
    key = "TransfereeLinkedid" if h.get("TransfereeLinkedid") else "OrigTransfererLinkedid"
    target = h.get("SecondTransfererChannel") or h.get("TransferTargetChannel", "")
    return [ev.CallTransferred(**t.base(h, now, key), target=target, kind="attended")]


def _member(
    t: Translator, h: dict[str, str], now: datetime, *, removed: bool = False
) -> list[f.Fact]:
    return [
        f.MemberState(
            queue=h["Queue"],
            name=h.get("MemberName") or h["Name"],
            interface=h.get("Interface") or h.get("Location", ""),
            status=int(h.get("Status") or 0),
            paused=h.get("Paused") == "1",
            reason=h.get("PausedReason", ""),
            in_call=h.get("InCall") == "1",
            removed=removed,
            listed="Event" in h and h["Event"] == "QueueMember",
        )
    ]


def _member_removed(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return _member(t, h, now, removed=True)


def _queue_entry(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        f.SnapshotEntry(
            queue=h["Queue"],
            uniqueid=h.get("Uniqueid", ""),
            channel=h.get("Channel", ""),
            position=int(h["Position"]),
            wait=int(h.get("Wait") or 0),
            priority=int(h.get("Priority") or 0),
        )
    ]


def _core_show_channel(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        f.SnapshotChannel(
            linkedid=_req(h, "Linkedid"),
            uniqueid=_req(h, "Uniqueid"),
            channel=h.get("Channel", ""),
            caller_num=h.get("CallerIDNum", ""),
            application=h.get("Application", ""),
            queue=h.get("ApplicationData", "").split(",")[0]
            if h.get("Application") == "Queue"
            else "",
            bridge_id=h.get("BridgeId", ""),
            duration=_hms(h.get("Duration", "")),
        )
    ]


def _queue_status_done(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [f.SnapshotDone(what="queues", received_at=now)]


def _channels_done(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [f.SnapshotDone(what="channels", received_at=now)]


def _booted(t: Translator, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [f.Booted(received_at=now)]


def _req(h: dict[str, str], key: str) -> str:
    value = h[key]
    if not value:
        raise UnparsableError(key)
    return value


def _queue_of(h: dict[str, str]) -> str:
    if h.get("Application") != "Queue":
        return ""
    return h.get("ApplicationData", "").split(",")[0]


def _hms(value: str) -> int:
    if not value:
        return 0
    seconds = 0
    for part in value.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


HANDLERS: dict[str, Handler] = {
    "Newchannel": _newchannel,
    "NewCallerid": _newcallerid,
    "Hangup": _hangup,
    "QueueCallerJoin": _caller_join,
    "QueueCallerLeave": _caller_leave,
    "QueueCallerAbandon": _caller_abandon,
    "AgentCalled": _agent_called,
    "AgentRingNoAnswer": _agent_ring_no_answer,
    "AgentDump": _agent_dump,
    "AgentConnect": _agent_connect,
    "AgentComplete": _agent_complete,
    "BlindTransfer": _blind_transfer,
    "AttendedTransfer": _attended_transfer,
    "QueueMemberStatus": _member,
    "QueueMemberAdded": _member,
    "QueueMemberPause": _member,
    "QueueMember": _member,
    "QueueMemberRemoved": _member_removed,
    "QueueEntry": _queue_entry,
    "QueueStatusComplete": _queue_status_done,
    "CoreShowChannel": _core_show_channel,
    "CoreShowChannelsComplete": _channels_done,
    "FullyBooted": _booted,
}
