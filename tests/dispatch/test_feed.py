"""Who announces ticket changes, once each (SQLite and PostgreSQL): the relay what it
published, the acknowledger what it took, and without Redis the room what a console took
in another process. A live log that fails never fails the hand-off."""

from __future__ import annotations

from typing import Any

from callcenter.assembly.dispatch import build_dispatch
from callcenter.domain.effects import NotifyClients
from callcenter.settings import Settings
from tests.dispatch.conftest import FIELDS, Room


class Recorder:
    """The live hub's Notifier port, recording."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.events: list[tuple[str, str, str | None, str | None, dict[str, Any]]] = []

    async def notify(self, message: NotifyClients) -> None:
        if self.fail:
            raise ConnectionError("live log down")
        m = message
        self.events.append((m.topic, m.kind, m.call_id, m.seat, m.payload))

    def kinds(self) -> list[str]:
        return [kind for _t, kind, *_ in self.events]


async def _ticket(room: Room) -> tuple[str, str]:
    call_id = await room.answered_call()
    handoff = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
    assert handoff.ticket_id
    return call_id, handoff.ticket_id


async def test_relay_and_acknowledger_announce_once(room: Room) -> None:
    live = Recorder()
    d = build_dispatch(Settings(), room.store, room.sink, live=live)
    call_id, ticket_id = await _ticket(room)
    assert await d.relay.drain() == 1
    assert await d.relay.drain() == 0
    [(topic, kind, on_call, seat, payload)] = live.events
    assert (topic, kind, on_call, seat) == ("dispatch", "ticket_created", call_id, "Seat 03")
    assert (payload["id"], payload["state"]) == (ticket_id, "sent")

    await d.desk.acknowledge(ticket_id, "CAR-02", "radio1")
    await d.desk.acknowledge(ticket_id, "CAR-02", "radio1")  # repeated: not announced again
    assert await d.recorder.record_pending() == 0
    assert live.kinds() == ["ticket_created", "ticket_acknowledged"]
    assert live.events[1][4]["unit"] == "CAR-02"


async def test_without_redis_the_room_announces_a_consoles_acknowledgement(room: Room) -> None:
    live = Recorder()
    d = build_dispatch(Settings(), room.store, room.sink, live=live)
    # A `callcenter dispatch-console` in another process, no Redis: no live log to reach.
    console = build_dispatch(Settings(), room.store, room.sink, room=False)
    _call, ticket_id = await _ticket(room)
    await d.relay.drain()
    await console.desk.acknowledge(ticket_id, "MOTO-01", "radio2")
    assert live.kinds() == ["ticket_created"]
    assert await d.recorder.record_pending() == 1  # the room records it, and says it
    assert await d.recorder.record_pending() == 0
    assert live.kinds() == ["ticket_created", "ticket_acknowledged"]
    assert live.events[1][4]["acknowledged_by"] == "radio2"


async def test_a_failing_live_log_fails_nothing(room: Room) -> None:
    live = Recorder(fail=True)
    d = build_dispatch(Settings(), room.store, room.sink, live=live)
    call_id, ticket_id = await _ticket(room)
    assert await d.relay.drain() == 1  # published and marked sent all the same
    assert await room.outbox.backlog() == 0
    acked = await d.desk.acknowledge(ticket_id, "CAR-03", "radio1")
    assert acked.unit == "CAR-03"
    assert d.feed is not None and d.feed.failures == 2 and d.feed.published == 0
    assert "handed_off" in await room.kinds(call_id)


async def test_an_amended_waiting_ticket_is_announced_as_updated(room: Room) -> None:
    live = Recorder()
    d = build_dispatch(Settings(), room.store, room.sink, live=live)
    call_id, ticket_id = await _ticket(room)
    await d.relay.drain()
    sent = await room.tickets.get(ticket_id)
    assert sent is not None and sent.sent_at is not None
    await room.service.qualify(
        call_id, {**FIELDS, "priority": "P1", "notes": "now a fire"}, by="op03", request_id="r2"
    )
    assert await d.relay.drain() == 1  # the relay publishes the amended ticket again...
    assert live.kinds() == ["ticket_created", "ticket_updated"]  # ...as an update
    updated = live.events[1][4]
    assert (updated["id"], updated["qualification"]["priority"]) == (ticket_id, "P1")
    assert updated["state"] == "sent"
    again = await room.tickets.get(ticket_id)
    assert again is not None and again.sent_at == sent.sent_at  # first sending's time kept
