"""What translation hands the bridge besides domain events: channel, seat and snapshot facts.

These are plain frozen values with AMI's vocabulary already translated away; only
``callcenter.ami.translate`` knows the header names they came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callcenter.domain.events import CallEvent, Clock


@dataclass(frozen=True, kw_only=True)
class Stamp:
    """When a frame happened and how we know, plus its stable identity."""

    at: datetime
    received_at: datetime
    clock: Clock
    source_id: str

    def event_fields(self) -> dict[str, Any]:
        """The fields every domain event takes from the frame it came from."""
        return {
            "at": self.at,
            "received_at": self.received_at,
            "clock": self.clock,
            "source_id": self.source_id,
        }


@dataclass(frozen=True, kw_only=True)
class ChannelOpened:
    stamp: Stamp
    linkedid: str
    uniqueid: str
    channel: str
    caller_num: str


@dataclass(frozen=True, kw_only=True)
class CallerIdChanged:
    uniqueid: str
    caller_num: str


@dataclass(frozen=True, kw_only=True)
class ChannelClosed:
    stamp: Stamp
    linkedid: str
    uniqueid: str
    cause: str


@dataclass(frozen=True, kw_only=True)
class MemberState:
    """A queue member as QueueMember* events or a QueueStatus snapshot describe it."""

    queue: str
    name: str
    interface: str
    status: int  # AST_DEVICE_*: 1 not in use, 2 in use, 5 unavailable, 6 ringing, ...
    paused: bool
    reason: str
    in_call: bool
    removed: bool = False
    listed: bool = False  # from a QueueStatus list reply (a snapshot), not pushed


@dataclass(frozen=True, kw_only=True)
class SeatRinging:
    name: str
    call_id: str


@dataclass(frozen=True, kw_only=True)
class SeatConnected:
    name: str
    call_id: str
    seat_uniqueid: str
    seat_channel: str = ""


@dataclass(frozen=True, kw_only=True)
class CallChannels:
    """The channels to act on for a live call (for ``PbxControl``): the caller's leg in the
    queue (hang up, change priority) and the answering seat's leg (blind transfer)."""

    call_id: str
    caller: str = ""
    seat: str = ""


@dataclass(frozen=True, kw_only=True)
class SeatReleased:
    """AgentRingNoAnswer / AgentDump: the seat is no longer ringing for the call."""

    name: str


@dataclass(frozen=True, kw_only=True)
class OrphanConversationEnded:
    """AgentComplete with neither the caller's nor the seat's channel fields (after a
    Redirect, the late AgentComplete may have none): the bridge finds the call by its seat."""

    stamp: Stamp
    queue: str
    seat: str
    hold_seconds: int
    talk_seconds: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class SnapshotEntry:
    queue: str
    uniqueid: str
    channel: str
    position: int
    wait: int
    priority: int


@dataclass(frozen=True, kw_only=True)
class SnapshotChannel:
    linkedid: str
    uniqueid: str
    channel: str
    caller_num: str
    application: str
    queue: str  # the queue the leg waits or talks in (Application Queue), else ""
    bridge_id: str
    duration: int  # seconds


@dataclass(frozen=True, kw_only=True)
class SnapshotDone:
    """A list reply is complete: ``what`` is ``queues`` (QueueStatus) or ``channels``."""

    what: str
    received_at: datetime


@dataclass(frozen=True, kw_only=True)
class Booted:
    """FullyBooted: Asterisk is up (after login, or after it restarted under us)."""

    received_at: datetime


@dataclass(frozen=True, kw_only=True)
class OriginateAnswered:
    """``OriginateResponse`` of an Originate callcenter placed (``action_id`` its own): the
    originated channel's (the seat's) last state, ``reason`` Asterisk's control frame code."""

    stamp: Stamp
    action_id: str
    success: bool
    reason: str
    channel: str
    uniqueid: str = ""


@dataclass(frozen=True, kw_only=True)
class DialEnded:
    """``DialEnd`` of a channel's Dial(): ``dial_status`` as Asterisk's DIALSTATUS."""

    stamp: Stamp
    channel: str
    dial_status: str


Fact = (
    CallEvent
    | OriginateAnswered
    | DialEnded
    | ChannelOpened
    | CallerIdChanged
    | ChannelClosed
    | MemberState
    | SeatRinging
    | SeatConnected
    | SeatReleased
    | OrphanConversationEnded
    | SnapshotEntry
    | SnapshotChannel
    | SnapshotDone
    | Booted
)
