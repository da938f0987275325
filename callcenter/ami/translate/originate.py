"""``OriginateResponse`` and ``DialEnd``: how a call-back callcenter placed went.

Only the Originates callcenter placed carry an ActionID; only a ``DialEnd`` with a
``DialStatus`` says how a Dial() ended (ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION,
CHANUNAVAIL). Both are facts for the bridge (``ami/callback_watch.py`` keeps which channels
are call-backs); the queue's own DialEnd events (a seat rung for a caller) go the same way and
are dropped there.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.ami import facts as f
from callcenter.ami.translate.stamps import Handler, Stamper


def _originate_response(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    action_id = h.get("ActionID", "")
    if not action_id:
        return []
    return [
        f.OriginateAnswered(
            stamp=t.stamp(h, now),
            action_id=action_id,
            success=h.get("Response", "") == "Success",
            reason=h.get("Reason", "").strip(),
            channel=h.get("Channel", ""),
            uniqueid=h.get("Uniqueid", ""),
        )
    ]


def _dial_end(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    status = h.get("DialStatus", "")
    channel = h.get("Channel", "")
    if not status or not channel:
        return []
    return [f.DialEnded(stamp=t.stamp(h, now), channel=channel, dial_status=status)]


HANDLERS: dict[str, Handler] = {
    "OriginateResponse": _originate_response,
    "DialEnd": _dial_end,
}
