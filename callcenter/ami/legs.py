"""What the bridge follows of the PBX's calls: the tables it keeps, and what it hands on.

Plain mutable state, owned by ``Bridge`` (the live path updates it frame by frame) and rebuilt
by ``ami/resync.py`` from a snapshot after a (re)connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from callcenter.ami import facts as f
from callcenter.ami.callerid import clean, to_e164
from callcenter.domain.events import CallEntered, CallEvent
from callcenter.domain.resync import LostCallView, PbxCallView

Item = CallEvent | PbxCallView | LostCallView
Emit = Callable[[Item], None]


@dataclass
class Pending:
    """A call's ``CallEntered``, held back until its caller ID is known (see ``Bridge``)."""

    stamp: f.Stamp
    channel: str
    caller: str

    def entered(self, call_id: str, region: str) -> CallEntered:
        return CallEntered(
            call_id=call_id,
            **self.stamp.event_fields(),
            caller_raw=clean(self.caller),
            caller_e164=to_e164(self.caller, region),
            channel=self.channel,
        )


@dataclass
class CallTables:
    """The calls (by ``Linkedid``) the bridge follows, and what it knows of each."""

    legs: dict[str, set[str]] = field(default_factory=dict)  # live channels of line-19 calls
    leg_call: dict[str, str] = field(default_factory=dict)  # channel -> its call
    pending: dict[str, Pending] = field(default_factory=dict)
    # Calls a seat's own phone placed (a call-back, an outside call): never line-19 callers
    outside: dict[str, set[str]] = field(default_factory=dict)
    outside_seat: dict[str, tuple[str, str]] = field(default_factory=dict)  # seat, its channel
    adopted: set[str] = field(default_factory=set)  # live in the database at our start
    seat_call: dict[str, str] = field(default_factory=dict)  # seat -> the call it last answered
    channels: dict[str, f.CallChannels] = field(default_factory=dict)
    left_queue: set[str] = field(default_factory=set)  # calls out of the queue, not answered
