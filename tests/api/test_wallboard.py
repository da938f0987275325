"""The wallboard's routes and feed, the re-prioritisation on the timeline, linked calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.domain.events import (
    CallAnswered,
    CallEntered,
    CallerQueued,
    CallQualified,
    Qualification,
    SeatOffered,
)
from callcenter.domain.seats import SeatState
from callcenter.live.memory import MemoryLog
from callcenter.storage.store import TimelineStore
from tests.api.live_client import feed
from tests.api.room import USERS, Room, build_room, client, ev, serve


async def _queue(
    room: Room, call_id: str, number: str, priority: int = 0, at: datetime | None = None
) -> None:
    p = room.processor
    at = at or datetime.now(UTC)
    await p.handle(ev(CallEntered, call_id, caller_raw=number, at=at))
    await p.handle(
        ev(CallEntered, call_id, caller_raw=number, reason="default", priority=priority, at=at)
    )
    await p.handle(
        ev(
            CallerQueued,
            call_id,
            queue="line19",
            position=1,
            count=1,
            channel=f"C/{call_id}",
            at=at,
        )
    )


async def test_waiting_calls_in_queue_order_and_reprioritised_on_the_timeline(
    room: Room, base: str
) -> None:
    now = datetime.now(UTC)
    await _queue(room, "old", "0612345601", at=now - timedelta(seconds=40))
    await _queue(room, "mid", "0612345602", at=now - timedelta(seconds=20))
    await _queue(room, "vip", "0612345603", priority=5, at=now - timedelta(seconds=5))
    async with client(base) as http:
        sup = room.headers("sup")
        waiting = (await http.get("/wallboard/waiting", headers=sup)).json()
        assert [(c["id"], c["position"], c["queue_priority"]) for c in waiting] == [
            ("vip", 1, 5),
            ("old", 2, 0),
            ("mid", 3, 0),
        ]
        assert 39 <= waiting[1]["wait_seconds"] <= 45

        moved = await http.post(
            "/supervisor/calls/mid/priority",
            headers=sup,
            json={"priority": 10, "reason": "child on the line"},
        )
        assert moved.status_code == 200, moved.text
        waiting = (await http.get("/wallboard/waiting", headers=sup)).json()
        assert [c["id"] for c in waiting] == ["mid", "vip", "old"]

        steps = (await http.get("/calls/mid/timeline", headers=sup)).json()["steps"]
        step = steps[-1]
        assert step["kind"] == "reprioritised"
        assert step["payload"]["priority"] == 10
        assert step["payload"]["by"] == "sup"
        assert step["payload"]["reason"] == "child on the line"

        too_long = await http.post(
            "/supervisor/calls/old/priority", headers=sup, json={"priority": 1, "reason": "x" * 201}
        )
        assert too_long.status_code == 422
        refused = await http.get("/wallboard/waiting", headers=room.headers("op3"))
        assert refused.status_code == 403


async def test_board_has_windows_burn_seats_and_alerts(room: Room, base: str) -> None:
    await _queue(room, "a", "0612345678")
    await room.processor.handle(ev(SeatOffered, "a", queue="line19", seat="Seat 01"))
    await room.processor.handle(
        ev(CallAnswered, "a", queue="line19", seat="Seat 01", hold_seconds=4, ring_seconds=1)
    )
    room.board.set("Seat 01", state=SeatState.IN_CALL, call_id="a")
    room.board.set("Seat 02", state=SeatState.RINGING, call_id="zz")
    room.board.set("Seat 04", state=SeatState.PAUSED, paused_reason="break")
    async with client(base) as http:
        sup = room.headers("sup")
        config = (await http.get("/wallboard/config", headers=sup)).json()
        assert config["target_seconds"] == 15 and config["target_percent"] == 90.0
        assert config["thresholds"]["calls_waiting"] == {"warn": 5.0, "alarm": 15.0}
        board = (await http.get("/wallboard/board", headers=sup)).json()
    assert set(board["windows"]) == {"15m", "1h", "shift"}
    assert board["windows"]["15m"]["answered"] == 1
    assert board["windows"]["15m"]["answered_within"]["15"] == 100.0
    assert board["burn"]["status"] == "ok"
    seats = {s["name"]: s for s in board["seats"]}
    assert len(seats) == 20
    assert seats["Seat 01"]["state"] == "in_call"
    assert seats["Seat 01"]["call"]["id"] == "a"
    assert seats["Seat 03"]["operator"] == "op3"
    assert seats["Seat 04"]["paused_reason"] == "break"
    assert board["links"] == {"ami": "ok"}
    assert board["alerts"] == []  # Seat 02 has not rung long enough


async def test_feed_publishes_seat_changes_and_a_new_alert_once(
    sqlite_store: TimelineStore,
) -> None:
    room = await build_room(sqlite_store, MemoryLog(), stats_interval=0.3)
    connected = [True]
    room.services.pbx_connected = lambda: connected[0]
    async with serve(room.app) as base:
        token = room.token("sup", *USERS["sup"])
        async with feed(base, "supervisor", token) as (f, _hello):
            room.board.set("Seat 05", state=SeatState.PAUSED, paused_reason="training")
            connected[0] = False
            seen: list[tuple[str, str, str | None]] = []
            payloads: dict[str, dict[str, object]] = {}
            deadline = datetime.now(UTC) + timedelta(seconds=5)
            while datetime.now(UTC) < deadline and len([s for s in seen if s[0] == "alert"]) < 1:
                m = await f.event()
                seen.append((m["topic"], m["kind"], m["seat"]))
                payloads[f"{m['topic']}/{m['kind']}/{m['seat']}"] = m["payload"]
            # a few more ticks: the alert is not repeated while it holds
            for _ in range(6):
                m = await f.event()
                seen.append((m["topic"], m["kind"], m["seat"]))
                payloads[f"{m['topic']}/{m['kind']}/{m['seat']}"] = m["payload"]
    assert ("seat", "state", "Seat 05") in seen
    change = payloads["seat/state/Seat 05"]
    assert change["state"] == "paused" and change["paused_reason"] == "training"
    assert isinstance(change["since"], str)
    assert seen.count(("alert", "ami_down", None)) == 1
    assert ("stats", "board", None) in seen


async def test_linked_calls(room: Room, base: str) -> None:
    now = datetime.now(UTC)
    q = Qualification(incident_type="fire", priority="P1", address="12 Rue X, Rabat")
    for call_id, number in (
        ("c1", "0612345678"),
        ("c2", "0612345678"),
        ("c3", "0699999999"),
        ("c4", "0688888888"),
    ):
        await _queue(room, call_id, number, at=now)
        await room.processor.handle(ev(SeatOffered, call_id, queue="line19", seat="Seat 01"))
        await room.processor.handle(
            ev(
                CallAnswered,
                call_id,
                queue="line19",
                seat="Seat 01",
                hold_seconds=1,
                ring_seconds=1,
            )
        )
    for call_id in ("c1", "c3"):
        await room.processor.handle(ev(CallQualified, call_id, qualification=q, by="op1"))
    async with client(base) as http:
        linked = await http.get("/audit/calls/c1/linked", headers=room.headers("aud"))
        assert linked.status_code == 200, linked.text
        assert {(c["id"], c["link"]) for c in linked.json()} == {
            ("c2", "caller"),
            ("c3", "incident"),
        }
        missing = await http.get("/audit/calls/nope/linked", headers=room.headers("aud"))
        assert missing.status_code == 404
        refused = await http.get("/audit/calls/c1/linked", headers=room.headers("sup"))
        assert refused.status_code == 403


async def test_export_narrowed_like_the_search(room: Room, base: str) -> None:
    await _queue(room, "e1", "0612345678")
    await _queue(room, "e2", "0699999999")
    async with client(base) as http:
        aud = room.headers("aud")
        both = await http.get("/audit/export?format=jsonl", headers=aud)
        assert len(both.text.splitlines()) == 2
        one = await http.get("/audit/export?format=jsonl&number=0612345678", headers=aud)
        assert [
            line.count('"id": "e1"') or line.count('"id":"e1"') for line in one.text.splitlines()
        ] == [1]
        none = await http.get("/audit/export?format=csv&outcome=handed_off", headers=aud)
        assert none.text == ""
        bad = await http.get("/audit/export?outcome=maybe", headers=aud)
        assert bad.status_code == 422
        log = (await http.get("/audit/access-log", headers=aud)).json()
        assert "number=0612345678" in log[-2]["detail"]
