"""Fakes at the ports the API uses (PbxControl, SeatBoard, DispatchDesk, HandOff)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from callcenter.dispatch.handoff import HandoffService
from callcenter.dispatch.qualification import validate
from callcenter.domain.dispatch import Ticket, TicketState
from callcenter.domain.seats import Seat, SeatState
from callcenter.errors import CallcenterError


class FakePbx:
    def __init__(self) -> None:
        self.actions: list[tuple[str, tuple[object, ...]]] = []

    def _record(self, name: str, *args: object) -> None:
        self.actions.append((name, args))

    async def seat_login(self, queue: str, interface: str, member_name: str) -> None:
        self._record("seat_login", queue, interface, member_name)

    async def seat_logout(self, queue: str, interface: str) -> None:
        self._record("seat_logout", queue, interface)

    async def seat_pause(self, queue: str, interface: str, reason: str) -> None:
        self._record("seat_pause", queue, interface, reason)

    async def seat_unpause(self, queue: str, interface: str) -> None:
        self._record("seat_unpause", queue, interface)

    async def answer(self, seat_interface: str) -> None:
        self._record("answer", seat_interface)

    async def hangup(self, channel: str) -> None:
        self._record("hangup", channel)

    async def blind_transfer(self, channel: str, context: str, extension: str) -> None:
        self._record("blind_transfer", channel, context, extension)

    async def change_priority(self, queue: str, caller_channel: str, priority: int) -> None:
        self._record("change_priority", queue, caller_channel, priority)

    async def originate_callback(
        self, seat_interface: str, number: str, action_id: str | None = None
    ) -> None:
        self._record("originate_callback", seat_interface, number, action_id)


def seat_name(n: int) -> str:
    return f"Seat {n:02d}"


class FakeSeatBoard:
    def __init__(self, count: int = 20) -> None:
        self.board = {
            seat_name(n): Seat(
                name=seat_name(n), interface=f"PJSIP/seat{n:02d}", state=SeatState.AVAILABLE
            )
            for n in range(1, count + 1)
        }

    def seats(self) -> list[Seat]:
        return list(self.board.values())

    def seat(self, name: str) -> Seat | None:
        return self.board.get(name)

    def synced(self) -> bool:
        return True

    def set(self, name: str, **changes: object) -> None:
        self.board[name] = replace(self.board[name], **changes)  # type: ignore[arg-type]


class FakeDispatch:
    def __init__(self) -> None:
        self.tickets: dict[str, Ticket] = {}

    async def pending(self) -> list[Ticket]:
        return [t for t in self.tickets.values() if t.state is not TicketState.ACKNOWLEDGED]

    async def acknowledge(self, ticket_id: str, unit: str, by: str) -> Ticket:
        ticket = self.tickets.get(ticket_id)
        if ticket is None or ticket.state is TicketState.ACKNOWLEDGED:
            raise CallcenterError(f"ticket {ticket_id} unknown or already acknowledged")
        done = replace(
            ticket,
            state=TicketState.ACKNOWLEDGED,
            unit=unit,
            acknowledged_by=by,
            acknowledged_at=datetime.now(UTC),
        )
        self.tickets[ticket_id] = done
        return done


class FakeHandOff:
    """Qualifies through the real dispatch service (its validator, the call's state); a
    hand-off's ticket goes to the fake desk instead of the ticket tables."""

    def __init__(self, desk: FakeDispatch, service: HandoffService) -> None:
        self.desk = desk
        self.service = service

    async def qualify(
        self, call_id: str, fields: Mapping[str, Any], by: str, request_id: str
    ) -> None:
        await self.service.qualify(call_id, fields, by=by, request_id=request_id, hand_off=False)

    async def request(self, call_id: str, fields: Mapping[str, Any], by: str) -> str:
        qualification = validate(fields, self.service.taxonomy)
        ticket_id = f"T-{len(self.desk.tickets) + 1:06d}"
        self.desk.tickets[ticket_id] = Ticket(
            id=ticket_id,
            call_id=call_id,
            qualification=qualification,
            created_at=datetime.now(UTC),
            state=TicketState.SENT,
        )
        return ticket_id
