"""Every read of call data is in the access log, and the auditor can reach any of it: newest
first, paged with a cursor, filtered by user, call, action and time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.domain.events import CallEntered, CallerQueued, SeatOffered
from callcenter.domain.seats import SeatState
from tests.api.room import Room, client, ev


async def test_reading_ones_own_call_is_logged(room: Room, base: str) -> None:
    await room.processor.handle(ev(CallEntered, "c1", caller_raw="0612345678"))
    await room.processor.handle(
        ev(CallerQueued, "c1", queue="line19", position=1, count=1, channel="PJSIP/t-1")
    )
    await room.processor.handle(ev(SeatOffered, "c1", queue="line19", seat="Seat 03"))
    room.board.set("Seat 03", state=SeatState.RINGING, call_id="c1")
    async with client(base) as http:
        mine = await http.get("/me/call", headers=room.headers("op3"))
        assert mine.status_code == 200 and mine.json()["steps"]
        log = await http.get("/audit/access-log?call_id=c1", headers=room.headers("aud"))
    assert [(e["username"], e["role"], e["action"]) for e in log.json()] == [
        ("op3", "operator", "timeline")
    ]


async def test_the_access_log_pages_newest_first_with_filters(room: Room, base: str) -> None:
    users = room.services.users
    for n in range(25):
        await users.log_access(
            username="aud" if n % 2 else "sup",
            role="auditor" if n % 2 else "supervisor",
            action="export" if n % 5 == 0 else "timeline",
            call_id=None if n % 5 == 0 else f"c{n % 3}",
            detail=f"n={n}",
        )
    headers = room.headers("aud")
    async with client(base) as http:
        first = await http.get("/audit/access-log?limit=10", headers=headers)
        assert first.status_code == 200, first.text
        page = first.json()
        assert [e["detail"] for e in page] == [f"n={n}" for n in range(24, 14, -1)]
        assert first.headers["x-next-before"] == str(page[-1]["id"])
        seen = [e["detail"] for e in page]
        before = first.headers["x-next-before"]
        while before:
            r = await http.get(f"/audit/access-log?limit=10&before={before}", headers=headers)
            seen += [e["detail"] for e in r.json()]
            before = r.headers.get("x-next-before", "")
        assert seen == [f"n={n}" for n in range(24, -1, -1)]  # everything, once, newest first

        exports = await http.get("/audit/access-log?action=export", headers=headers)
        assert [e["detail"] for e in exports.json()] == ["n=20", "n=15", "n=10", "n=5", "n=0"]
        theirs = await http.get("/audit/access-log?username=sup&call_id=c1", headers=headers)
        assert {(e["username"], e["call_id"]) for e in theirs.json()} == {("sup", "c1")}
        assert [e["detail"] for e in theirs.json()] == ["n=22", "n=16", "n=4"]

        now = datetime.now(UTC)
        later = await http.get(
            "/audit/access-log",
            params={"since": (now + timedelta(minutes=1)).isoformat()},
            headers=headers,
        )
        assert later.json() == []
        earlier = await http.get(
            "/audit/access-log",
            params={"until": (now - timedelta(minutes=1)).isoformat()},
            headers=headers,
        )
        assert earlier.json() == []
        window = await http.get(
            "/audit/access-log",
            params={
                "since": (now - timedelta(minutes=1)).isoformat(),
                "until": (now + timedelta(minutes=1)).isoformat(),
                "limit": 1000,
            },
            headers=headers,
        )
        assert len(window.json()) == 25
