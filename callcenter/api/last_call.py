"""Which call an operator may act on: the one on their seat, or else their last call.

A caller may hang up before the operator has qualified the call and handed it off (they
reported a fire and hung up): the incident must still reach dispatch. The seat board then
shows no call, so the operator's call is the last one their own seat answered, for a window
after its line ended (``room.handoff_after_hangup_seconds``), as long as no radio unit has
taken it; named by its id, it stays theirs while the next call rings or is answered on the
seat. Never another seat's call, never a call this seat did not answer, never an older one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import HTTPException

from callcenter.api.ports import Services
from callcenter.api.routes.seats import own_seat
from callcenter.auth.tokens import Identity
from callcenter.domain.seats import Seat

# How far back the seat's calls are read to find the one it answered last: a conversation
# longer than the shift is not one an operator is still qualifying.
LOOKBACK = timedelta(hours=12)
DONE = frozenset({"closed", "handed_off"})  # a radio unit has it, or the call is over


@dataclass(frozen=True)
class OwnCall:
    seat: Seat
    call_id: str
    on_seat: bool  # False: the seat's last answered call, its line ended


def refuse(detail: str) -> HTTPException:
    return HTTPException(409, detail)


async def last_answered(svc: Services, seat: Seat, now: datetime) -> dict[str, Any] | None:
    """The call this seat answered last, besides the one on it now (the calls table names the
    seat that answered a call; a call answered again elsewhere names the other seat)."""
    rows = await svc.search.search_seat(seat.name, since=now - LOOKBACK, limit=20)
    answered = [r for r in rows if r["answered_at"] is not None and r["id"] != seat.call_id]
    return max(answered, key=lambda r: r["answered_at"], default=None)


async def own_call(
    svc: Services,
    who: Identity,
    *,
    window: timedelta,
    now: datetime,
    call_id: str | None = None,
) -> OwnCall:
    """The seat's current call or, when it has none (or ``call_id`` names the other one),
    its last answered call whose line ended less than ``window`` ago. Anything else answers
    409 saying why."""
    seat = own_seat(svc, who)
    if seat.call_id is not None and call_id in (None, seat.call_id):
        return OwnCall(seat, seat.call_id, on_seat=True)
    last = await last_answered(svc, seat, now)
    if last is None or (call_id is not None and last["id"] != call_id):
        if call_id is None:
            raise refuse(f"no call on {seat.name}")
        raise refuse(f"call {call_id} is neither on {seat.name} nor the last call it answered")
    if not last["line_ended"]:
        raise refuse(f"no call on {seat.name} (its last call {last['id']} left the seat)")
    ended_at: datetime | None = last["ended_at"]
    if ended_at is not None and ended_at.tzinfo is None:
        ended_at = ended_at.replace(tzinfo=now.tzinfo)  # SQLite keeps no time zone
    if ended_at is None or now - ended_at > window:
        raise refuse(
            f"the caller of {last['id']} hung up more than {int(window.total_seconds())} s "
            f"ago: it can no longer be qualified from {seat.name}"
        )
    if last["state"] in DONE:
        unit = f" (unit {last['dispatch_unit']})" if last["dispatch_unit"] else ""
        raise refuse(f"call {last['id']} is already handed off{unit}")
    return OwnCall(seat, last["id"], on_seat=False)


def ticket_asked(steps: list[dict[str, Any]]) -> bool:
    """A hand-off was recorded on the timeline (the ticket's ``dispatch_sent`` may not have
    come back yet; or the call went on its incident's ticket, held by another call): the
    panel has nothing left to do with a call whose caller hung up."""
    return any(
        step["payload"].get("ticket_id") or step["payload"].get("incident_ticket_id")
        for step in steps
    )
