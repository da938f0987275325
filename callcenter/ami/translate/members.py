"""Queue member events: a seat's state (pushed) and the QueueMember lines of a QueueStatus list.

The list says ``Name``/``Location`` where pushed events say ``MemberName``/``Interface``.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.ami import facts as f
from callcenter.ami.translate.stamps import Handler, Stamper


def _member(t: Stamper, h: dict[str, str], now: datetime, *, removed: bool = False) -> list[f.Fact]:
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


def _member_removed(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return _member(t, h, now, removed=True)


HANDLERS: dict[str, Handler] = {
    "QueueMemberStatus": _member,
    "QueueMemberAdded": _member,
    "QueueMemberPause": _member,
    "QueueMember": _member,
    "QueueMemberRemoved": _member_removed,
}
