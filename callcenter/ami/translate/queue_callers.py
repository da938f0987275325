"""Queue caller events: a caller joins, leaves or abandons a queue, or finds it full.

The caller channel of these events is not the call's first leg: the call id is ``Linkedid``.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.ami import facts as f
from callcenter.ami.translate.fields import req
from callcenter.ami.translate.stamps import Handler, Stamper
from callcenter.domain import events as ev


def queue_full(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    """VarSet QUEUESTATUS=FULL (see ``noise.is_queue_status``)."""
    return [ev.QueueFull(**t.base(h, now))]


def _caller_join(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        # first: the caller ID completes a held-back CallEntered before the queue step
        f.CallerIdChanged(uniqueid=req(h, "Uniqueid"), caller_num=h.get("CallerIDNum", "")),
        ev.CallerQueued(
            **t.base(h, now),
            queue=h["Queue"],
            position=int(h["Position"]),
            count=int(h["Count"]),
            channel=h.get("Channel", ""),
        ),
    ]


def _caller_leave(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        ev.CallerLeftQueue(
            **t.base(h, now), queue=h["Queue"], position=int(h["Position"]), count=int(h["Count"])
        )
    ]


def _caller_abandon(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        ev.CallerAbandoned(
            **t.base(h, now),
            queue=h["Queue"],
            position=int(h["Position"]),
            original_position=int(h["OriginalPosition"]),
            hold_seconds=int(h["HoldTime"]),
        )
    ]


HANDLERS: dict[str, Handler] = {
    "QueueCallerJoin": _caller_join,
    "QueueCallerLeave": _caller_leave,
    "QueueCallerAbandon": _caller_abandon,
}
