"""Mass casualty: a burst of callers abandon while every seat is busy. The whole room against
the PBX simulator (AMI, FastAGI, HTTP): every abandoned caller becomes exactly one call-back
task, a withheld number is recorded as not callable, a caller who calls in again closes their
task (a step on both calls), and an operator calls one back from the panel's API: the seat's
phone rings, picks up, the number answers, and the result is on the original call."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from callcenter.sim.calls import CallSpec
from tests.integration.test_room_with_simulator import (
    SEATS,
    eventually,
    kinds,
    running_room,
    token,
)

NUMBERS = [f"06120000{n:02d}" for n in range(1, 10)]


@pytest.mark.slow
async def test_every_abandoned_caller_is_called_back(tmp_path: Path) -> None:
    async with running_room(tmp_path) as r, httpx.AsyncClient(base_url=r.base) as http:
        for interface in SEATS:  # the room is overwhelmed: nobody takes a call
            r.sim.sim.manual.add(interface)
            await r.room.pbx.seat_pause("line19", interface, "incident")
        burst = [r.sim.sim.new_call(CallSpec(number=n, patience=1.5)) for n in NUMBERS]
        burst.append(r.sim.sim.new_call(CallSpec(number="anonymous", patience=1.5)))
        sup = {"Authorization": f"Bearer {await token(http, 'supervisor')}"}

        async def all_tasks() -> bool:
            tasks = (await http.get("/callbacks", headers=sup)).json()
            return len(tasks) >= len(burst)

        await eventually(all_tasks, 30)
        await r.room.runner.drain()
        tasks = {t["call_id"]: t for t in (await http.get("/callbacks", headers=sup)).json()}
        abandoned = [c.id for c in burst]
        assert sorted(tasks) == sorted(abandoned)  # exactly one per abandoned call
        assert r.sim.sim.tally.abandoned == len(burst)
        for c in burst:
            assert (await kinds(r.store, c.id)).count("callback_task") == 1
        withheld = tasks[burst[-1].id]
        assert (withheld["status"], withheld["not_callable"], withheld["number"]) == (
            "not_callable",
            "withheld",
            None,
        )
        assert {t["status"] for cid, t in tasks.items() if cid != burst[-1].id} == {"open"}
        assert tasks[burst[0].id]["number"] == "+212612000001"

        # the first caller calls again before anyone called them back: their task closes
        again = r.sim.sim.new_call(CallSpec(number=NUMBERS[0], patience=1.5))

        async def closed() -> bool:  # ... and the repeat caller abandoned too
            return "callback_closed" in await kinds(
                r.store, burst[0].id
            ) and "callback_task" in await kinds(r.store, again.id)

        await eventually(closed, 20)
        await r.room.runner.drain()
        assert "closes_callback" in await kinds(r.store, again.id)
        first = (await http.get("/callbacks", headers=sup)).json()
        by_id = {t["call_id"]: t for t in first}
        assert (by_id[burst[0].id]["status"], by_id[burst[0].id]["closed_by"]) == (
            "closed",
            again.id,
        )
        assert by_id[again.id]["status"] == "open"  # the repeat call abandoned too
        assert len(first) == len(burst) + 1

        # Seat 03 is free again (a simulated phone: it picks up by itself)
        r.sim.sim.manual.discard("PJSIP/seat03")
        await r.room.pbx.seat_unpause("line19", "PJSIP/seat03")
        op = {"Authorization": f"Bearer {await token(http, 'op03')}"}

        async def offered() -> bool:
            reply = (await http.get("/me/callback", headers=op)).json()
            return reply["task"] is not None

        await eventually(offered, 10)
        offer = (await http.get("/me/callback", headers=op)).json()["task"]
        # the repeat caller (2 calls from the number) first, then the oldest
        assert offer["call_id"] == again.id and offer["repeat_count"] == 1
        assert (offer["status"], offer["seat"]) == ("offered", "Seat 03")
        op4 = {"Authorization": f"Bearer {await token(http, 'op04')}"}
        busy4 = (await http.get("/me/callback", headers=op4)).json()
        assert busy4 == {"task": None, "why_none": "seat_busy"}  # Seat 04 is paused

        started = await http.post(f"/me/callback/{again.id}/call", headers=op)
        assert started.status_code == 200, started.text
        assert started.json()["attempt"] == 1

        async def result() -> bool:
            return "callback_result" in await kinds(r.store, again.id)

        await eventually(result, 20)
        await r.room.runner.drain()
        steps = await r.store.timeline(again.id)
        done = next(s for s in steps if s["kind"] == "callback_result")
        assert (done["payload"]["result"], done["payload"]["code"]) == ("reached", "ANSWER")
        assert done["payload"]["seat"] == "Seat 03"
        task = next(
            t
            for t in (await http.get("/callbacks", headers=sup)).json()
            if t["call_id"] == again.id
        )
        assert (task["status"], task["attempts"], task["result"]) == ("reached", 1, "reached")
        # the call-back itself is no new line-19 call
        assert len((await http.get("/callbacks", headers=sup)).json()) == len(burst) + 1
        # the seat talks to the caller it called back: in a call, no caller's call on it
        talking = (await http.get("/seats/me", headers=op)).json()
        assert (talking["state"], talking["call_id"]) == ("in_call", None)
        # the operator ends the call-back from the panel (the seat's own call, no caller's)
        hung = await http.post("/me/call/hangup", headers=op)
        assert hung.status_code == 200, hung.text

        async def seat_free() -> bool:
            seat = (await http.get("/seats/me", headers=op)).json()
            return bool(seat["state"] == "available" and seat["call_id"] is None)

        await eventually(seat_free, 10)
        verdict = await r.store.verify(burst[0].id)
        assert verdict is not None and verdict.intact, verdict
