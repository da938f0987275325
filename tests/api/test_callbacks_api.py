"""The call-back routes: supervisors see every task, an operator the one offered to their free
seat (never while a caller waits beyond the answer target), the call-back is an Originate from
the seat with the task's ActionID, and its result is on the original call's timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.domain.events import CallbackEnded, CallEntered, CallerAbandoned, CallerQueued
from callcenter.domain.seats import SeatState
from tests.api.room import Room, client, ev


async def abandon(room: Room, call_id: str, number: str | None, ago: timedelta) -> None:
    p, at = room.processor, datetime.now(UTC) - ago
    raw = number.replace("+212", "0") if number else ""
    await p.handle(ev(CallEntered, call_id, at=at, caller_raw=raw, caller_e164=number))
    await p.handle(ev(CallerQueued, call_id, at=at, queue="line19", position=1, count=1))
    await p.handle(
        ev(CallerAbandoned, call_id, at=at, queue="line19", position=1, original_position=1,
           hold_seconds=30)
    )  # fmt: skip


async def test_supervisors_see_every_task_operators_only_theirs(room: Room, base: str) -> None:
    await abandon(room, "old", "+212612000001", timedelta(minutes=5))
    await abandon(room, "new", "+212612000002", timedelta(minutes=1))
    await abandon(room, "anon", None, timedelta(minutes=2))
    async with client(base) as http:
        r = await http.get("/callbacks", headers=room.headers("sup"))
        assert r.status_code == 200, r.text
        tasks = {t["call_id"]: t for t in r.json()}
        assert set(tasks) == {"old", "new", "anon"}
        assert (tasks["anon"]["status"], tasks["anon"]["not_callable"]) == (
            "not_callable",
            "withheld",
        )
        only = await http.get("/callbacks?status=not_callable", headers=room.headers("sup"))
        assert [t["call_id"] for t in only.json()] == ["anon"]
        assert (await http.get("/callbacks", headers=room.headers("op3"))).status_code == 403
        assert (await http.get("/me/callback", headers=room.headers("sup"))).status_code == 403

        # the oldest first; the next seat gets the next one; each keeps its own
        mine = (await http.get("/me/callback", headers=room.headers("op3"))).json()
        assert (mine["task"]["call_id"], mine["task"]["seat"]) == ("old", "Seat 03")
        theirs = (await http.get("/me/callback", headers=room.headers("op4"))).json()
        assert theirs["task"]["call_id"] == "new"
        again = (await http.get("/me/callback", headers=room.headers("op3"))).json()
        assert again["task"]["call_id"] == "old"
        listed = {
            t["call_id"]: t
            for t in (await http.get("/callbacks", headers=room.headers("sup"))).json()
        }
        assert (listed["old"]["status"], listed["old"]["seat"]) == ("offered", "Seat 03")


async def test_no_offer_while_a_caller_waits_beyond_the_answer_target(
    room: Room, base: str
) -> None:
    await abandon(room, "old", "+212612000001", timedelta(minutes=5))
    at = datetime.now(UTC) - timedelta(seconds=40)
    await room.processor.handle(ev(CallEntered, "waiting", at=at, caller_raw="0612000009"))
    await room.processor.handle(
        ev(CallerQueued, "waiting", at=at, queue="line19", position=1, count=1)
    )
    async with client(base) as http:
        r = (await http.get("/me/callback", headers=room.headers("op3"))).json()
        assert r == {"task": None, "why_none": "queue_beyond_sla"}
        room.board.set("Seat 03", state=SeatState.IN_CALL, call_id="waiting")
        r = (await http.get("/me/callback", headers=room.headers("op3"))).json()
        assert r == {"task": None, "why_none": "seat_busy"}


async def test_calling_back_from_the_seat_and_the_result(room: Room, base: str) -> None:
    await abandon(room, "c1", "+212612000001", timedelta(minutes=2))
    async with client(base) as http:
        op = room.headers("op3")
        # not offered to this seat yet: refused, nothing sent to the PBX
        refused = await http.post("/me/callback/c1/call", headers=op)
        assert refused.status_code == 409, refused.text
        assert room.pbx.actions == []
        assert (await http.get("/me/callback", headers=op)).json()["task"]["call_id"] == "c1"
        started = await http.post("/me/callback/c1/call", headers=op)
        assert started.status_code == 200, started.text
        assert started.json() == {"call_id": "c1", "attempt": 1, "number": "+212612000001"}
        assert room.pbx.actions == [
            ("originate_callback", ("PJSIP/seat03", "+212612000001", "callback/c1/1"))
        ]
        sup = room.headers("sup")
        task = (await http.get("/callbacks", headers=sup)).json()[0]
        assert (task["status"], task["attempts"], task["seat"]) == ("calling", 1, "Seat 03")
        # the operator heard a busy tone
        said = await http.post("/me/callback/c1/result", headers=op, json={"result": "busy"})
        assert said.status_code == 200, said.text
        task = (await http.get("/callbacks", headers=sup)).json()[0]
        assert (task["status"], task["result"], task["seat"]) == ("open", "busy", None)
        bad = await http.post("/me/callback/c1/result", headers=op, json={"result": "seat_busy"})
        assert bad.status_code == 422
        # offered again, called again; the PBX reports the caller answered
        assert (await http.get("/me/callback", headers=op)).json()["task"]["call_id"] == "c1"
        assert (await http.post("/me/callback/c1/call", headers=op)).json()["attempt"] == 2
        now = datetime.now(UTC)
        await room.processor.handle(
            CallbackEnded(call_id="c1", at=now, received_at=now, source_id="pbx-1",
                          seat="Seat 03", attempt=2, result="reached", code="ANSWER")
        )  # fmt: skip
        task = (await http.get("/callbacks", headers=sup)).json()[0]
        assert (task["status"], task["attempts"], task["result"]) == ("reached", 2, "reached")
    steps = await room.services.store.timeline("c1")
    kinds = [(s["kind"], s["payload"].get("result")) for s in steps if "callback" in s["kind"]]
    assert kinds == [
        ("callback_task", None),
        ("callback_started", None),
        ("callback_result", "busy"),
        ("callback_started", None),
        ("callback_result", "reached"),
    ]
    verdict = await room.services.store.verify("c1")
    assert verdict is not None and verdict.intact


async def test_declined_task_goes_to_the_next_free_seat(room: Room, base: str) -> None:
    await abandon(room, "c1", "+212612000001", timedelta(minutes=2))
    async with client(base) as http:
        assert (await http.get("/me/callback", headers=room.headers("op3"))).json()["task"]
        r = await http.post("/me/callback/c1/decline", headers=room.headers("op3"))
        assert r.status_code == 200, r.text
        # declined twice: nothing to give back
        r = await http.post("/me/callback/c1/decline", headers=room.headers("op3"))
        assert r.status_code == 409
        theirs = (await http.get("/me/callback", headers=room.headers("op4"))).json()
        assert theirs["task"]["seat"] == "Seat 04"
        # a supervisor cannot offer a task another seat has
        r = await http.post(
            "/callbacks/c1/offer", headers=room.headers("sup"), json={"seat": "Seat 05"}
        )
        assert r.status_code == 409


async def test_the_seat_picks_up_its_own_call_back_ringing(room: Room, base: str) -> None:
    """The Originate rings the seat's phone first (no caller on it): the demo phone's answer
    picks it up; a seat neither ringing nor with a call has nothing to answer."""
    async with client(base) as http:
        idle = await http.post("/me/call/answer", headers=room.headers("op3"))
        assert idle.status_code == 409
        room.board.set("Seat 03", state=SeatState.RINGING, call_id=None)
        r = await http.post("/me/call/answer", headers=room.headers("op3"))
        assert r.status_code == 200, r.text
        assert room.pbx.actions == [("answer", ("PJSIP/seat03",))]


async def test_one_originate_per_start_and_stale_offers_go_back(room: Room, base: str) -> None:
    await abandon(room, "c1", "+212612000001", timedelta(minutes=2))
    async with client(base) as http:
        op3, op4 = room.headers("op3"), room.headers("op4")
        assert (await http.get("/me/callback", headers=op3)).json()["task"]["call_id"] == "c1"
        # Seat 03 takes a caller and its panel never asks again: Seat 04 gets the task
        room.board.set("Seat 03", state=SeatState.IN_CALL, call_id="other")
        theirs = (await http.get("/me/callback", headers=op4)).json()["task"]
        assert (theirs["call_id"], theirs["seat"]) == ("c1", "Seat 04")
        first = await http.post("/me/callback/c1/call", headers=op4)
        second = await http.post("/me/callback/c1/call", headers=op4)  # a double click
        assert first.status_code == 200, first.text
        assert second.status_code == 409, second.text
        assert [a for a, _args in room.pbx.actions] == ["originate_callback"]


async def test_the_desk_s_refusals_say_why(room: Room, base: str) -> None:
    """No task, a task not offered to this seat, one this seat is not calling back: 409 each,
    with the desk's words (``callcenter.desks.require``), and nothing sent to the PBX."""
    await abandon(room, "c1", "+212612000001", timedelta(minutes=2))
    async with client(base) as http:
        op3, op4 = room.headers("op3"), room.headers("op4")
        cases = [
            ("/me/callback/nope/call", op3, {}, "no call-back task for nope"),
            ("/me/callback/c1/call", op3, {}, "call-back of c1 is not offered to Seat 03"),
            (
                "/me/callback/c1/result",
                op3,
                {"result": "reached"},
                "Seat 03 is not calling back c1",
            ),
        ]
        for path, who, body, why in cases:
            r = await http.post(path, headers=who, json=body or None)
            assert (r.status_code, r.json()["detail"]) == (409, why), path
        assert (await http.get("/me/callback", headers=op3)).json()["task"]["call_id"] == "c1"
        # offered to Seat 03 now: Seat 04 may neither start it nor report on it
        r = await http.post("/me/callback/c1/call", headers=op4)
        assert r.json()["detail"] == "call-back of c1 is not offered to Seat 04"
        assert (await http.post("/me/callback/c1/call", headers=op3)).status_code == 200
        r = await http.post("/me/callback/c1/result", headers=op4, json={"result": "busy"})
        assert (r.status_code, r.json()["detail"]) == (409, "Seat 04 is not calling back c1")
        assert [a for a, _args in room.pbx.actions] == ["originate_callback"]
