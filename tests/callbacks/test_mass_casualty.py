"""The packaged mass-casualty scenario, run in virtual time by the simulator and fed through
the bridge, the pipeline and the store (as ``tests/sim/test_outcome_agreement.py`` does): every
abandoned call becomes exactly one call-back task, the withheld ones not callable, and a task
is closed exactly when its caller called in again after it was opened (the repeat callers the
scenario makes), with the step on both calls."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

from callcenter.ami.ingest import ingest_streams
from callcenter.audit.export import export_calls
from callcenter.storage.callbacks import CallbackLedger
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import make_room
from tests.databases import sqlite_url
from tests.sim.test_outcome_agreement import simulate


async def test_every_abandoned_caller_gets_one_task_and_a_repeat_call_closes_it(
    tmp_path: Path,
) -> None:
    sim, data = await simulate("mass-casualty")
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    store = TimelineStore(engine)
    try:
        room = make_room(store)
        room.runner.start()
        await ingest_streams([("mass-casualty", data)], room.bridge, room.runner)
        await room.runner.close()
        assert room.runner.stats.failed == 0

        calls = {c["id"]: c async for c in export_calls(store)}
        tasks = {t.call_id: t for t in await CallbackLedger(engine).tasks(limit=100_000)}
        abandoned = {cid for cid, c in calls.items() if c["outcome"] == "abandoned"}
        assert len(abandoned) == sim.tally.abandoned > 50  # the burst overwhelms the room
        # exactly one task per abandoned call, and one step each; no other call has one
        # (the scenario's silent callers are answered and talk 3-12 s: some are silent calls)
        silent = {cid for cid, t in tasks.items() if t.reason.value == "silent"}
        assert set(tasks) - silent == abandoned
        for cid, c in calls.items():
            steps = Counter(s["kind"] for s in c["timeline"])
            assert steps["callback_task"] == (1 if cid in tasks else 0), cid

        not_callable = {cid for cid, t in tasks.items() if t.not_callable is not None}
        assert not_callable  # withheld numbers (2 %), and caller IDs that are no valid number
        for cid in not_callable:
            assert tasks[cid].status.value == "not_callable" and tasks[cid].number is None

        # a task is closed iff a call from its number entered after the task was opened
        by_number: dict[str, list[dict[str, object]]] = {}
        for c in calls.values():
            if c["caller_e164"]:
                by_number.setdefault(c["caller_e164"], []).append(c)
        closed = 0
        for cid, t in tasks.items():
            if t.number is None:
                continue
            later = [
                c
                for c in by_number[t.number]
                if c["id"] != cid and datetime.fromisoformat(str(c["rang_at"])) >= t.created_at
            ]
            if later:
                closed += 1
                assert t.status.value == "closed", (cid, t)
                first = min(later, key=lambda c: (str(c["rang_at"]), str(c["id"])))
                assert t.closed_by == first["id"]
                kinds = [s["kind"] for s in calls[cid]["timeline"]]
                assert kinds.count("callback_closed") == 1
                repeat = [s["kind"] for s in calls[t.closed_by]["timeline"]]
                assert "closes_callback" in repeat
            else:
                assert t.status.value == "open", (cid, t)
        assert closed > 0  # the scenario's repeat callers (30 %) called in again
        # the hash chains of the calls that got steps from another call still verify
        for cid, t in tasks.items():
            if t.closed_by:
                for call_id in (cid, t.closed_by):
                    verdict = await store.verify(call_id)
                    assert verdict is not None and verdict.intact, verdict
    finally:
        await engine.dispose()
