"""Incident suggestions on the mass-casualty scenario's ground truth: precision and recall of the
first suggestion (the one the operator panel's one key attaches to).

The ground truth (``callcenter/sim/truth/mass-casualty.toml``, drawn by
``callcenter.sim.incident_truth``) says which event each caller of the burst reports: several
events in one district within minutes (two on the same boulevard 600 m apart), callers giving
the address as people say it (word order, typos, no house number) and, for some, the
handset's coordinates with a 60 m error; some call twice; 15 % call about something else.

The bench drives the real code path as operators would, call after call in arrival order (each
call handled at its arrival time): the call enters, queues and is answered (pipeline events
into the store); its operator types the qualification the ground truth gives and reads the
suggestions (``IncidentDesk.suggestions``, as ``GET /me/call/incidents``); then does what the
truth says, whatever was suggested: attaches the call to its event's incident when one is open
(``IncidentDesk.attach``, as ``POST /me/call/attach``) and hands it off (the incident's ticket
comes back: no second one), or else hands it off on a ticket of its own (opening its incident).

Definitions:
- a call *belongs* to an open incident when an earlier call reported its event (the incident
  that first call opened); the first call of an event and the unrelated calls belong to none;
- **precision** = among the calls for which a first suggestion is made, the fraction whose
  first suggestion is the incident the call belongs to (a suggestion for a call that belongs
  to none is wrong);
- **recall** = among the calls that belong to an open incident, the fraction whose first
  suggestion is that incident.
Targets: precision >= 95 %, recall >= 90 %. A baseline measured in the same run for
comparison: "the most recent open incident of the same type".

    .venv/bin/python -m bench.incident_bench [--truth mass-casualty] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import latency_summary, write_results
from callcenter.dispatch.handoff import HandoffService
from callcenter.dispatch.qualification import Taxonomy
from callcenter.domain import events as ev
from callcenter.domain.incidents import Incident
from callcenter.incidents.desk import Draft, IncidentDesk
from callcenter.pipeline.direct import ProcessorSink
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.sim.incident_truth import TruthCall, load_truth, reports
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.incidents import IncidentStore
from callcenter.storage.store import TimelineStore
from callcenter.storage.tickets import TicketStore

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
PRECISION_TARGET, RECALL_TARGET = 0.95, 0.90


@dataclass
class Score:
    """First suggestions against the truth (see the module's definitions)."""

    suggested: int = 0  # calls with a first suggestion
    suggested_right: int = 0  # ... that is the incident the call belongs to
    belonging: int = 0  # calls that belong to an open incident
    belonging_found: int = 0  # ... whose first suggestion is it
    mistakes: list[dict[str, Any]] = field(default_factory=list)

    def add(self, first: str | None, truth: str | None, detail: dict[str, Any]) -> None:
        if first is not None:
            self.suggested += 1
            self.suggested_right += first == truth
        if truth is not None:
            self.belonging += 1
            self.belonging_found += first == truth
        if first != truth:
            self.mistakes.append({**detail, "first": first, "truth": truth})

    @property
    def precision(self) -> float:
        return self.suggested_right / self.suggested if self.suggested else 1.0

    @property
    def recall(self) -> float:
        return self.belonging_found / self.belonging if self.belonging else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "suggested": self.suggested,
            "suggested_right": self.suggested_right,
            "belonging": self.belonging,
            "belonging_found": self.belonging_found,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
        }


def baseline_first(call: TruthCall, incidents: Sequence[Incident], own: str) -> str | None:
    """The naive rule: the most recent open incident of the same type."""
    same = [i for i in incidents if i.id != own and i.opener.incident_type == call.incident_type]
    return max(same, key=lambda i: (i.last_at, i.id)).id if same else None


def fields_of(call: TruthCall) -> dict[str, Any]:
    return {
        "incident_type": call.incident_type,
        "priority": call.priority,
        "address": call.address,
        "latitude": call.latitude,
        "longitude": call.longitude,
    }


async def run(
    truth_name: str, database_url: str, seed: int | None = None, limit: int | None = None
) -> dict[str, Any]:
    """The whole burst (or its first ``limit`` calls) through the real path; the figures."""
    truth = load_truth(truth_name)
    if seed is not None:
        truth = replace(truth, seed=seed)
    calls = reports(truth)[:limit]
    engine = create_engine(database_url)
    await upgrade(engine)
    clock = [T0]

    def now() -> datetime:
        return clock[0]

    store = TimelineStore(engine)
    sink = ProcessorSink(CallProcessor(store, NullNotifier()))
    tickets = TicketStore(engine)
    taxonomy = Taxonomy.from_codes(sorted({*truth.types, *(e.type for e in truth.events)}))
    handoff = HandoffService(sink, store, tickets, taxonomy, now=now)
    desk = IncidentDesk(sink, store, IncidentStore(engine), tickets, now=now)
    score, baseline = Score(), Score()
    opened: dict[str, str] = {}  # event -> the incident its first call opened
    ticket_ids: set[str] = set()
    timings: list[float] = []
    try:
        for call in calls:
            at = T0 + timedelta(seconds=call.at)
            clock[0] = at
            call_id = f"1796000000.{call.index}"
            await answer(sink, call_id, call.caller_e164, at)
            draft = Draft(
                incident_type=call.incident_type,
                address=call.address,
                latitude=call.latitude,
                longitude=call.longitude,
            )
            started = time.perf_counter()
            incidents = await desk.open_incidents()
            loaded = await store.load(call_id)
            assert loaded is not None
            found = desk.rank(loaded[0], incidents, draft)
            timings.append(time.perf_counter() - started)
            first = found[0].incident.id if found else None
            belongs = opened.get(call.event) if call.event else None
            detail = {"call": call.index, "event": call.event, "address": call.address}
            if found:
                detail["reasons"] = [(r.code, r.value) for r in found[0].reasons]
            score.add(first, belongs, detail)
            baseline.add(baseline_first(call, incidents, f"I-{call_id}"), belongs, {})

            fields = fields_of(call)
            if belongs is not None:
                await desk.attach(call_id, belongs, by="bench", request_id=f"a{call.index}")
            handed = await handoff.qualify(call_id, fields, by="bench", request_id=f"q{call.index}")
            if handed.new_ticket and handed.ticket_id:
                ticket_ids.add(handed.ticket_id)
            if call.event and belongs is None:
                opened[call.event] = f"I-{call_id}"
        stored = await IncidentStore(engine).open_incidents(T0 - timedelta(hours=1))
    finally:
        await engine.dispose()
    events = {c.event for c in calls if c.event}
    unrelated = sum(1 for c in calls if c.event is None)
    return {
        "truth": truth.scenario,
        "seed": truth.seed,
        "calls": len(calls),
        "events": len(events),
        "unrelated_calls": unrelated,
        "suggestion": score.as_dict(),
        "baseline_same_type_most_recent": baseline.as_dict(),
        "tickets_opened": len(ticket_ids),
        "tickets_expected": len(events) + unrelated,  # one per incident
        "incidents_stored": len(stored),
        "largest_incident_callers": max((i.callers for i in stored), default=0),
        "suggest_latency": latency_summary(timings),
        "mistakes": score.mistakes[:40],
    }


async def answer(sink: ProcessorSink, call_id: str, caller: str, at: datetime) -> None:
    c: dict[str, Any] = {"call_id": call_id, "clock": ev.Clock.PBX, "received_at": at}
    await sink.submit(
        ev.CallEntered(**c, at=at, source_id=f"{call_id}:e", caller_raw=caller, caller_e164=caller)
    )
    await sink.submit(
        ev.CallerQueued(**c, at=at, source_id=f"{call_id}:q", queue="line19", position=1, count=1)
    )
    await sink.submit(
        ev.CallAnswered(
            **c,
            at=at,
            source_id=f"{call_id}:a",
            queue="line19",
            seat="Seat 01",
            hold_seconds=0,
            ring_seconds=1,
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", default="mass-casualty")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument(
        "--seed", type=int, default=None, help="draw other callers (default: the file's)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/incidents.db"
        result = asyncio.run(run(args.truth, url, args.seed))
    s, b = result["suggestion"], result["baseline_same_type_most_recent"]
    met = s["precision"] >= PRECISION_TARGET and s["recall"] >= RECALL_TARGET
    print(
        f"{result['calls']} calls, {result['events']} events, "
        f"{result['unrelated_calls']} unrelated; first suggestion:"
    )
    print(
        f"  precision {s['precision']:.1%} ({s['suggested_right']}/{s['suggested']}), "
        f"recall {s['recall']:.1%} ({s['belonging_found']}/{s['belonging']}) "
        f"[targets >= 95 % / >= 90 %: {'met' if met else 'MISSED'}]"
    )
    print(
        f"  baseline (most recent open incident of the same type): precision "
        f"{b['precision']:.1%}, recall {b['recall']:.1%}"
    )
    print(
        f"  tickets opened {result['tickets_opened']} (one per incident: "
        f"{result['tickets_expected']}); suggestion p50 "
        f"{result['suggest_latency']['p50_ms']:.1f} ms"
    )
    path = write_results("incidents", result)
    print(f"  written to {path}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
