"""Operations (readiness, metrics), statistics from the timeline, secrets at start-up."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from callcenter.api.app import create_app
from callcenter.auth.tokens import InsecureSecretError, check_secret, signing_secret
from callcenter.domain.events import (
    CallAnswered,
    CallEntered,
    CallerAbandoned,
    CallerLeftQueue,
    CallerQueued,
    LineEnded,
    SeatOffered,
)
from callcenter.domain.seats import SeatState
from callcenter.live.memory import MemoryLog
from callcenter.messaging.fanout import RedisStreamLog
from callcenter.storage.store import TimelineStore
from tests.api.live_client import feed
from tests.api.room import Room, build_room, client, ev, serve


async def test_stats_come_from_the_timeline(room: Room, base: str) -> None:
    """Counted by outcome; the waits from entry (a: 14 s, of which Asterisk's HoldTime 12 s in
    the queue), as the export records them."""
    p = room.processor
    entered = datetime.now(UTC) - timedelta(seconds=14)
    await p.handle(ev(CallEntered, "a", caller_raw="0612345678", at=entered))
    await p.handle(ev(CallerQueued, "a", queue="line19", position=1, count=1, channel="C/a"))
    await p.handle(ev(SeatOffered, "a", queue="line19", seat="Seat 01"))
    await p.handle(ev(CallerLeftQueue, "a", queue="line19", position=1, count=0))
    await p.handle(
        ev(CallAnswered, "a", queue="line19", seat="Seat 01", hold_seconds=12, ring_seconds=3)
    )
    await p.handle(ev(CallEntered, "b", caller_raw="0612345679"))
    await p.handle(ev(CallerQueued, "b", queue="line19", position=1, count=1, channel="C/b"))
    await p.handle(
        ev(CallerAbandoned, "b", queue="line19", position=1, original_position=1, hold_seconds=30)
    )
    await p.handle(ev(LineEnded, "b"))
    await p.handle(ev(CallEntered, "c", caller_raw="0612345670"))
    await p.handle(ev(CallerQueued, "c", queue="line19", position=1, count=1, channel="C/c"))
    room.board.set("Seat 01", state=SeatState.IN_CALL, call_id="a")
    async with client(base) as http:
        stats = (await http.get("/supervisor/stats?window=1h", headers=room.headers("sup"))).json()
        assert stats["answered"] == 1 and stats["abandoned"] == 1
        assert stats["answered_within"] == {"10": 0.0, "15": 50.0, "20": 50.0}
        assert stats["average_speed_of_answer"] == 14.0
        assert stats["abandon_rate"] == 50.0
        assert stats["calls_waiting"] == 1
        assert stats["seats_by_state"]["in_call"] == 1
        assert stats["occupancy"] == 5.0  # 1 of 20 staffed seats
        bad = await http.get("/supervisor/stats?window=2d", headers=room.headers("sup"))
        assert bad.status_code == 422

        # Re-prioritise the waiting call: the caller's channel comes from its timeline.
        moved = await http.post(
            "/supervisor/calls/c/priority", headers=room.headers("sup"), json={"priority": 10}
        )
        assert moved.status_code == 200, moved.text
        assert room.pbx.actions[-1] == ("change_priority", ("line19", "C/c", 10))
        answered = await http.post(
            "/supervisor/calls/a/priority", headers=room.headers("sup"), json={"priority": 10}
        )
        assert answered.status_code == 409

        active = await http.get("/calls/active", headers=room.headers("sup"))
        assert [c["id"] for c in active.json()] == ["a", "c"]

        ready = await http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "database": "ok", "redis": "absent", "ami": "ok"}

        metrics = (await http.get("/metrics", headers=room.headers("sup"))).text
        assert "callcenter_calls_waiting 1.0" in metrics
        assert 'callcenter_seats{state="in_call"} 1.0' in metrics
        # the answered call's 10 events, its LineEnded and the re-prioritisation
        assert 'callcenter_bridge_events{counter="handled"} 12.0' in metrics
        assert (
            'callcenter_http_request_seconds_count{method="GET",route="/readyz",status="200"} 1.0'
            in metrics
        )


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


async def test_readyz_reports_redis_and_ami_down(sqlite_store: TimelineStore) -> None:
    dead = RedisStreamLog(
        Redis.from_url(f"redis://127.0.0.1:{_closed_port()}/0", socket_connect_timeout=1),
        key="unused",
        timeout=2,
    )
    room = await build_room(sqlite_store, dead)
    room.services.pbx_connected = lambda: False
    try:
        async with serve(room.app) as base, client(base) as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json() == {
                "status": "unready",
                "database": "ok",
                "redis": "down",
                "ami": "down",
            }
            assert (await http.get("/healthz")).json() == {"status": "ok"}
    finally:
        await dead.close()


async def test_default_secret_is_refused_outside_demo(sqlite_store: TimelineStore) -> None:
    room = await build_room(sqlite_store, MemoryLog())
    with pytest.raises(InsecureSecretError, match="change-me"):
        create_app(room.services, jwt_secret="change-me")
    with pytest.raises(InsecureSecretError, match="32 bytes"):
        check_secret("short-secret", demo=False)
    create_app(room.services, jwt_secret="change-me", demo=True)
    demo_secret = signing_secret("change-me", demo=True)
    assert demo_secret != "change-me" and len(demo_secret) >= 32


async def test_operator_call_actions_go_to_the_seat_phone(room: Room, base: str) -> None:
    h3 = room.headers("op3")
    async with client(base) as http:
        none = await http.post("/me/call/hangup", headers=h3)
        assert none.status_code == 409 and "no call on Seat 03" in none.text
        room.board.set("Seat 03", state=SeatState.IN_CALL, call_id="x")
        assert (await http.post("/me/call/hangup", headers=h3)).status_code == 200
        assert room.pbx.actions[-1] == ("hangup", ("PJSIP/seat03",))
        moved = await http.post("/me/call/transfer", headers=h3, json={"extension": "2001"})
        assert moved.status_code == 200
        assert room.pbx.actions[-1] == (
            "blind_transfer",
            ("PJSIP/seat03", "transfer", "2001"),
        )
        bad = await http.post("/me/call/transfer", headers=h3, json={"extension": "20 01; x"})
        assert bad.status_code == 422


async def test_pbx_refusals_map_to_http_errors(room: Room, base: str) -> None:
    from callcenter.errors import PbxRejectedError, PbxTimeoutError, PbxUnavailableError

    async def refuse(*_args: object) -> None:
        raise refusal

    room.pbx.seat_unpause = refuse  # type: ignore[method-assign]
    async with client(base) as http:
        for refusal, code in (
            (PbxRejectedError("QueuePause", "Interface not found"), 502),
            (PbxTimeoutError("no answer"), 504),
            (PbxUnavailableError("not connected"), 503),
        ):
            response = await http.post("/seats/me/unpause", headers=room.headers("op3"))
            assert response.status_code == code
            assert response.json()["detail"] == str(refusal)


async def test_supervisor_feed_gets_statistics(sqlite_store: TimelineStore) -> None:
    room = await build_room(sqlite_store, MemoryLog(), stats_interval=0.05)
    async with serve(room.app) as base:
        token = room.headers("sup")["Authorization"][7:]
        async with feed(base, "supervisor", token) as (live, _hello):
            message = await live.event()
            while (message["topic"], message["kind"]) != ("stats", "queue"):
                # the wallboard's feed publishes seats and the board beside it
                assert message["topic"] in ("seat", "stats", "alert"), message
                message = await live.event()
            assert message["payload"]["window"] == "15m"
            assert message["payload"]["seats_by_state"]["available"] == 20


async def test_qualify_with_the_same_idempotency_key_is_recorded_once(
    room: Room, base: str
) -> None:
    p = room.processor
    await p.handle(ev(CallEntered, "q"))
    await p.handle(ev(CallerQueued, "q", queue="line19", position=1, count=1))
    await p.handle(ev(SeatOffered, "q", queue="line19", seat="Seat 03"))
    await p.handle(
        ev(CallAnswered, "q", queue="line19", seat="Seat 03", hold_seconds=2, ring_seconds=1)
    )
    room.board.set("Seat 03", state=SeatState.IN_CALL, call_id="q")
    body = {"incident_type": "fire", "priority": "P2", "address": "Derb Sultan"}
    headers = {**room.headers("op3"), "Idempotency-Key": "panel-42"}
    async with client(base) as http:
        for _ in range(2):
            assert (
                await http.post("/me/call/qualify", headers=headers, json=body)
            ).status_code == 200
        unknown = await http.post(
            "/me/call/qualify", headers=headers, json={**body, "incident_type": "alien"}
        )
        assert unknown.status_code == 422 and "unknown type" in unknown.text
        steps = (await http.get("/calls/q/timeline", headers=room.headers("sup"))).json()["steps"]
    assert [s["kind"] for s in steps].count("qualified") == 1
    call = await room.services.store.get_call("q")
    assert call is not None and (call["incident_type"], call["priority"]) == ("fire", "P2")
