"""Incidents in the database (SQLite and the real PostgreSQL): grouped from the calls, with their
tickets and callers; attaching a call keeps every timeline's hash chain verifiable."""

from __future__ import annotations

from datetime import timedelta

from callcenter.domain import events as ev
from callcenter.domain.incidents import incident_id_for
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.storage.incidents import IncidentStore
from callcenter.storage.store import TimelineStore
from callcenter.storage.tickets import TicketStore
from tests.domain.factories import QUALIFICATION, T0, make


async def answered(processor: CallProcessor, call_id: str, minutes: int, caller: str) -> None:
    at = T0 + timedelta(minutes=minutes)
    for kind, extra in [
        (ev.CallEntered, {"caller_e164": caller}),
        (ev.CallerQueued, {}),
        (ev.CallAnswered, {}),
    ]:
        await processor.handle(
            make(kind, call_id=call_id, at=at, source_id=f"{call_id}:{kind.__name__}", **extra)
        )


async def test_incidents_are_their_calls(store: TimelineStore) -> None:
    processor = CallProcessor(store, NullNotifier())
    incidents = IncidentStore(store.engine)
    await answered(processor, "c1", 0, "+212600000001")
    await answered(processor, "c2", 3, "+212600000002")
    await answered(processor, "c3", 4, "+212600000003")
    await answered(processor, "old", -120, "+212600000009")
    await processor.handle(
        make(ev.CallQualified, call_id="c1", source_id="q1", ticket_id="T-c1", at=T0)
    )
    await processor.handle(make(ev.CallQualified, call_id="old", source_id="qo", at=T0))
    opened = incident_id_for("c1")
    await processor.handle(
        make(ev.CallAttached, call_id="c2", source_id="a2", incident_id=opened, ticket_id="T-c1")
    )
    await processor.handle(
        make(
            ev.IncidentReportAdded,
            call_id="c1",
            source_id="r2",
            incident_id=opened,
            reporter_call_id="c2",
            callers=2,
            ticket_id="T-c1",
        )
    )

    found = await incidents.open_incidents(T0 - timedelta(minutes=60))
    assert [i.id for i in found] == [opened]  # "old" rang two hours ago; c3 is in none
    incident = found[0]
    assert [r.call_id for r in incident.reports] == ["c1", "c2"]
    assert incident.callers == 2 and incident.ticket_id == "T-c1"
    assert incident.ticket_state == "pending" and incident.priority == QUALIFICATION.priority
    assert incident.opener.address == QUALIFICATION.address
    assert incident.reports[1].caller_e164 == "+212600000002"

    assert await incidents.callers(["c1", "c2", "c3", "nobody"]) == {
        "c1": (opened, 2),
        "c2": (opened, 2),
    }
    assert [t.id for t in await TicketStore(store.engine).for_incident(opened)] == ["T-c1"]
    assert [t.id for t in await TicketStore(store.engine).for_call("c1")] == ["T-c1"]

    whole = await incidents.incident(opened)
    assert whole is not None
    assert [row["id"] for row in whole[1]] == ["c1", "c2"]
    assert await incidents.incident("I-nothing") is None

    # the attachment and the report added are on the timelines, chains intact
    assert "attached" in [s["kind"] for s in await store.timeline("c2")]
    report = [s for s in await store.timeline("c1") if s["kind"] == "incident_report"]
    assert report[0]["payload"]["reporter_call_id"] == "c2"
    for call_id in ("c1", "c2"):
        verdict = await store.verify(call_id)
        assert verdict is not None and verdict.intact


async def test_incident_id_survives_a_reload(store: TimelineStore) -> None:
    processor = CallProcessor(store, NullNotifier())
    await answered(processor, "c1", 0, "+212600000001")
    await processor.handle(make(ev.CallAttached, call_id="c1", source_id="a", incident_id="I-x"))
    loaded = await store.load("c1")
    assert loaded is not None and loaded[0].incident_id == "I-x"
