"""The hand-off on the database alone (embedded mode), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.dispatch.escalation import Escalator
from callcenter.domain.dispatch import Ticket, TicketState, UnitStatus
from callcenter.errors import (
    CallNotQualifiableError,
    TicketAlreadyAcknowledgedError,
    UnitNotAvailableError,
    UnitNotFoundError,
)
from callcenter.storage import store as store_module
from tests.dispatch.conftest import FIELDS, Room


async def test_handed_off_call_reads_in_order_with_timestamps(room: Room) -> None:
    relay = room.relay()
    call_id = await room.answered_call()
    handoff = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
    assert handoff.new_ticket and handoff.ticket_id

    # Written with the qualification, before any relay ran: the ticket is already queued.
    [ticket] = await room.desk.pending()
    assert ticket.id == handoff.ticket_id and ticket.state is TicketState.PENDING
    assert await room.outbox.backlog() == 1

    assert await relay.drain() == 1
    assert await room.outbox.backlog() == 0
    assert (await room.tickets.get(ticket.id)).state is TicketState.SENT  # type: ignore[union-attr]

    await room.line_ended(call_id)  # the caller hangs up before the radio takes the ticket
    acked = await room.desk.acknowledge(ticket.id, "CAR-02", by="radio1")
    assert acked.unit == "CAR-02" and acked.acknowledged_by == "radio1"
    assert await room.desk.pending() == []

    steps = await room.store.timeline(call_id)
    kinds = [s["kind"] for s in steps]
    assert kinds == [
        "entered",
        "queued",
        "offered",
        "answered",
        "qualified",
        "dispatch_sent",
        "line_ended",
        "handed_off",
        "closed",
    ]
    times = [s["at"] for s in steps]
    assert times == sorted(times)
    handed = steps[kinds.index("handed_off")]["payload"]
    assert (handed["unit"], handed["by"], handed["ticket_id"]) == ("CAR-02", "radio1", ticket.id)
    qualified = steps[kinds.index("qualified")]["payload"]
    assert qualified["ticket_id"] == ticket.id and qualified["callback_e164"] == "+212612345678"

    call = await room.store.get_call(call_id)
    assert call is not None
    assert (call["state"], call["dispatch_unit"], call["dispatch_ticket"]) == (
        "closed",
        "CAR-02",
        ticket.id,
    )
    unit = next(u for u in await room.units.units() if u.id == "CAR-02")
    assert unit.status is UnitStatus.BUSY and unit.ticket_id == ticket.id


async def test_ticket_outbox_and_step_commit_together(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    call_id = await room.answered_call()

    async def broken(*_args: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_module, "write_requests", broken)
    with pytest.raises(RuntimeError):
        await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
    monkeypatch.undo()

    # Nothing of the failed hand-off is stored: no step, no qualification, no ticket, no row.
    assert await room.kinds(call_id) == ["entered", "queued", "offered", "answered"]
    call = await room.store.get_call(call_id)
    assert call is not None and call["state"] == "answered" and call["qualification"] is None
    assert await room.tickets.for_call(call_id) == []
    assert await room.outbox.backlog() == 0

    # The processor cached nothing of the failed attempt: the retry goes through.
    retry = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
    assert [t.id for t in await room.tickets.for_call(call_id)] == [retry.ticket_id]


async def test_retry_and_amendments_never_open_a_second_ticket(room: Room) -> None:
    call_id = await room.answered_call()
    first = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
    again = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
    amended = await room.service.qualify(
        call_id, {**FIELDS, "priority": "P1", "notes": "now a fire"}, by="op03", request_id="r2"
    )
    assert first.ticket_id == again.ticket_id == amended.ticket_id
    assert amended.amended and not amended.new_ticket
    assert len(await room.tickets.for_call(call_id)) == 1
    assert await room.outbox.backlog() == 1
    assert await room.kinds(call_id) == [
        "entered",
        "queued",
        "offered",
        "answered",
        "qualified",
        "amended",
    ]
    call = await room.store.get_call(call_id)
    assert call is not None and call["priority"] == "P1"
    # The waiting ticket says what the call now says.
    [ticket] = await room.desk.pending()
    assert (ticket.qualification.priority, ticket.qualification.notes) == ("P1", "now a fire")

    # Once a unit is sent, an amendment stays on the call: the ticket keeps what was acted on.
    await room.desk.acknowledge(ticket.id, "CAR-01", by="radio1")
    await room.service.qualify(
        call_id, {**FIELDS, "priority": "P3"}, by="op03", request_id="r3", hand_off=False
    )
    acted_on = await room.tickets.get(ticket.id)
    assert acted_on is not None and acted_on.qualification.priority == "P1"
    assert len(await room.tickets.for_call(call_id)) == 1


async def test_qualifying_a_call_not_answered_is_refused(room: Room) -> None:
    with pytest.raises(CallNotQualifiableError, match=r"no-such-call .*\(state: unknown\)"):
        await room.service.qualify("no-such-call", FIELDS, by="op03", request_id="r1")
    call_id = await room.answered_call()
    qualified_only = await room.service.qualify(
        call_id, FIELDS, by="op03", request_id="r1", hand_off=False
    )
    assert qualified_only.ticket_id is None
    assert await room.tickets.for_call(call_id) == []
    handed = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r2")
    assert handed.new_ticket and not handed.amended  # the same fields: no amendment
    assert [t.id for t in await room.tickets.for_call(call_id)] == [handed.ticket_id]


async def test_nearest_units_first_and_unit_rules(room: Room) -> None:
    call_id = await room.answered_call()
    # Next to the Hassan II Mosque: MOTO-01 stands there.
    fields = {**FIELDS, "latitude": 33.6081, "longitude": -7.6329}
    handoff = await room.service.qualify(call_id, fields, by="op03", request_id="r1")
    [ticket] = await room.desk.pending()
    nearest = await room.units.nearest(ticket)
    assert nearest[0].unit.id == "MOTO-01" and nearest[0].km < 0.1
    assert [d.km for d in nearest] == sorted(d.km for d in nearest)

    await room.units.set_status("MOTO-01", UnitStatus.OFF_DUTY)
    assert "MOTO-01" not in [d.unit.id for d in await room.units.nearest(ticket)]
    with pytest.raises(UnitNotAvailableError):
        await room.desk.acknowledge(ticket.id, "MOTO-01", by="radio1")
    with pytest.raises(UnitNotFoundError):
        await room.desk.acknowledge(ticket.id, "CAR-99", by="radio1")

    second = nearest[1].unit.id
    await room.desk.acknowledge(ticket.id, second, by="radio1")
    # The same acknowledgement repeated is harmless; another unit is refused.
    assert (await room.desk.acknowledge(ticket.id, second, by="radio1")).unit == second
    with pytest.raises(TicketAlreadyAcknowledgedError):
        await room.desk.acknowledge(ticket.id, "CAR-04", by="radio2")
    assert (await room.kinds(call_id)).count("handed_off") == 1
    assert handoff.ticket_id == ticket.id
    without_coordinates = await room.answered_call()
    await room.service.qualify(
        without_coordinates,
        {**FIELDS, "latitude": None, "longitude": None},
        by="op03",
        request_id="r1",
    )
    [other] = await room.desk.pending()
    assert await room.units.nearest(other) == []


async def test_unacknowledged_ticket_escalates_once_with_an_alert(room: Room) -> None:
    call_id = await room.answered_call()
    handoff = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
    later = datetime.now(UTC) + timedelta(seconds=121)
    escalator = Escalator(room.tickets, room.sink, after_seconds=120, now=lambda: later)
    not_yet = Escalator(room.tickets, room.sink, after_seconds=120)
    assert await not_yet.check() == []

    assert await escalator.check() == [handoff.ticket_id]
    assert await escalator.check() == []  # once
    assert (await room.kinds(call_id))[-1] == "dispatch_escalated"
    [alert] = [m for m in room.notifier.messages if m.topic == "alert"]
    assert alert.payload["ticket_id"] == handoff.ticket_id
    assert alert.payload["priority"] == "P2" and alert.payload["waited_seconds"] >= 120

    # Still on the queue, and still acknowledgeable.
    [ticket] = await room.desk.pending()
    assert ticket.state is TicketState.ESCALATED
    await room.desk.acknowledge(ticket.id, "CAR-01", by="radio1")
    assert (await room.kinds(call_id))[-2:] == ["dispatch_sent", "handed_off"]


async def test_concurrent_acknowledgements_settle_on_one_winner(room: Room) -> None:
    first, second = await room.answered_call(), await room.answered_call()
    a = await room.service.qualify(first, FIELDS, by="op03", request_id="r1")
    b = await room.service.qualify(second, FIELDS, by="op04", request_id="r1")

    # Two tickets, one unit: it is sent once.
    results = await asyncio.gather(
        room.tickets.acknowledge(a.ticket_id or "", "CAR-01", "radio1", datetime.now(UTC)),
        room.tickets.acknowledge(b.ticket_id or "", "CAR-01", "radio2", datetime.now(UTC)),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Ticket", "UnitNotAvailableError"]
    loser = b.ticket_id if isinstance(results[0], Ticket) else a.ticket_id
    still_open = await room.tickets.get(loser or "")
    assert still_open is not None and still_open.state is TicketState.PENDING  # rolled back

    # One ticket, two consoles with different units: one wins, the other unit stays free.
    results = await asyncio.gather(
        room.tickets.acknowledge(loser or "", "CAR-02", "radio1", datetime.now(UTC)),
        room.tickets.acknowledge(loser or "", "CAR-03", "radio2", datetime.now(UTC)),
        return_exceptions=True,
    )
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["Ticket", "TicketAlreadyAcknowledgedError"]
    busy = {u.id for u in await room.units.units() if u.status is UnitStatus.BUSY}
    assert len(busy & {"CAR-02", "CAR-03"}) == 1


async def test_handing_off_an_unchanged_qualification_is_no_amendment(room: Room) -> None:
    """Qualify, then hand off with the same fields (the panel's one action): the ticket is
    asked for (``dispatch_requested``), nothing was amended; asking again adds nothing."""
    call_id = await room.answered_call()
    await room.service.qualify(call_id, FIELDS, by="op03", request_id="q1", hand_off=False)
    handed = await room.service.qualify(call_id, FIELDS, by="op03", request_id="h1")
    assert handed.new_ticket and not handed.amended and handed.ticket_id
    again = await room.service.qualify(call_id, FIELDS, by="op03", request_id="h2")
    same = await room.service.qualify(call_id, FIELDS, by="op03", request_id="q2", hand_off=False)
    assert again.ticket_id == same.ticket_id == handed.ticket_id
    assert not again.new_ticket and not again.amended and not same.amended
    kinds = await room.kinds(call_id)
    assert kinds == ["entered", "queued", "offered", "answered", "qualified", "dispatch_requested"]
    requested = (await room.store.timeline(call_id))[-1]["payload"]
    assert (requested["ticket_id"], requested["by"]) == (handed.ticket_id, "op03")
    assert [t.id for t in await room.tickets.for_call(call_id)] == [handed.ticket_id]
    # A real change is still an amendment, and the waiting ticket takes it.
    changed = await room.service.qualify(
        call_id, {**FIELDS, "priority": "P1"}, by="op03", request_id="h3"
    )
    assert changed.amended and changed.ticket_id == handed.ticket_id
    assert (await room.kinds(call_id))[-1] == "amended"
