"""Agent events: a seat is offered a call, does not answer, drops it, connects, completes.

``RingTime`` is seconds in AgentConnect and milliseconds in AgentRingNoAnswer.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.ami import facts as f
from callcenter.ami.translate.stamps import Handler, Stamper
from callcenter.domain import events as ev


def _agent_called(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    base = t.base(h, now)
    seat = h["MemberName"]
    return [
        ev.SeatOffered(**base, queue=h["Queue"], seat=seat, interface=h.get("Interface", "")),
        f.SeatRinging(name=seat, call_id=base["call_id"]),
    ]


def _agent_ring_no_answer(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    seat = h["MemberName"]
    return [
        # RingTime is milliseconds here (seconds in AgentConnect).
        ev.SeatRingNoAnswer(
            **t.base(h, now), queue=h["Queue"], seat=seat, ring_ms=int(h["RingTime"])
        ),
        f.SeatReleased(name=seat),
    ]


def _agent_dump(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    # The seat hung up before being connected (memberdelay/announce): the caller stays queued
    # and is rung again; the lifecycle has no step for it, the seat board does.
    return [f.SeatReleased(name=h["MemberName"])]


def _agent_connect(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
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


def _agent_complete(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
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
            orphan=key == "DestLinkedid",  # no caller channel: only the stale one does that
        )
    ]


HANDLERS: dict[str, Handler] = {
    "AgentCalled": _agent_called,
    "AgentRingNoAnswer": _agent_ring_no_answer,
    "AgentDump": _agent_dump,
    "AgentConnect": _agent_connect,
    "AgentComplete": _agent_complete,
}
