"""The seats as last seen from the PBX; implements the ``SeatBoard`` port.

Updated synchronously, in arrival order, by the bridge (QueueMember* events, AgentCalled /
AgentConnect / AgentRingNoAnswer, the seat leg's Hangup) and rebuilt whole from each
QueueStatus snapshot (after every (re)login). It is ``synced`` from the first snapshot on:
before it, what pushed events told is no board (callers answer 503, see ``SeatBoard``).
``on_change`` (optional, synchronous) is called after any seat changed, and when the board
becomes synced, e.g. to publish the board to API processes that run no bridge.
"""

from __future__ import annotations

from collections.abc import Callable

from callcenter.ami.facts import MemberState
from callcenter.domain import seat_rules
from callcenter.domain.seats import Seat


class LiveSeatBoard:
    def __init__(self, on_change: Callable[[], None] | None = None) -> None:
        self._seats: dict[str, Seat] = {}
        self._by_leg: dict[str, str] = {}  # seat leg Uniqueid -> seat name
        self._synced = False
        self.on_change = on_change

    def _put(self, name: str, seat: Seat) -> None:
        if self._seats.get(name) != seat:
            self._seats[name] = seat
            if self.on_change is not None:
                self.on_change()

    def seats(self) -> list[Seat]:
        return sorted(self._seats.values(), key=lambda s: s.name)

    def seat(self, name: str) -> Seat | None:
        return self._seats.get(name)

    def synced(self) -> bool:
        return self._synced

    def member(self, m: MemberState) -> None:
        if m.removed:
            prev = self._seats.get(m.name)
            if prev is not None:
                self._put(m.name, seat_rules.logged_out(prev))
            return
        self._put(
            m.name,
            seat_rules.member_seen(
                self._seats.get(m.name),
                queue=m.queue,
                name=m.name,
                interface=m.interface,
                status=m.status,
                paused=m.paused,
                reason=m.reason,
                in_call=m.in_call,
            ),
        )

    def rebuild(self, members: list[MemberState]) -> None:
        """A QueueStatus snapshot is the whole truth: seats not in it are logged out."""
        listed = {m.name for m in members}
        for name, seat in list(self._seats.items()):
            if name not in listed:
                self._put(name, seat_rules.logged_out(seat))
        for m in members:
            self.member(m)
        if not self._synced:
            self._synced = True
            if self.on_change is not None:
                self.on_change()

    def ringing(self, name: str, call_id: str) -> None:
        seat = self._seats.get(name)
        if seat is not None:
            self._put(name, seat_rules.ringing(seat, call_id))

    def connected(self, name: str, call_id: str, leg: str) -> None:
        seat = self._seats.get(name)
        if seat is not None:
            self._put(name, seat_rules.connected(seat, call_id))
        if leg:
            self._by_leg[leg] = name

    def own_call_answered(self, name: str, leg: str) -> None:
        """The seat picked up a call it placed (a call-back); its leg's hang-up frees it."""
        seat = self._seats.get(name)
        if seat is not None:
            self._put(name, seat_rules.own_call_answered(seat))
        if leg:
            self._by_leg[leg] = name

    def released(self, name: str) -> None:
        seat = self._seats.get(name)
        if seat is not None:
            self._put(name, seat_rules.released(seat))

    def leg_hung_up(self, uniqueid: str) -> None:
        name = self._by_leg.pop(uniqueid, None)
        if name is not None:
            self.released(name)

    def name_for_channel(self, channel: str) -> str | None:
        """The seat whose interface placed ``channel`` (``Local/seat02@seats-0000001b;1``)."""
        for seat in self._seats.values():
            base = seat.interface.removesuffix("/n")
            if base and channel.startswith(base + "-"):
                return seat.name
        return None
