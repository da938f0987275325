"""A live-log outage (Redis down) does not turn a done PBX action into a 500: the action
answers, its live update waits and goes out when the log is back."""

from __future__ import annotations

from typing import Any

from callcenter.auth.roles import Role
from callcenter.live.memory import MemoryLog
from callcenter.storage.store import TimelineStore
from tests.api.live_client import feed
from tests.api.room import build_room, client, serve


class FlakyLog(MemoryLog):
    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def append(self, body: dict[str, Any]) -> int:
        if self.down:
            raise ConnectionError("Redis is down")
        return await super().append(body)


async def test_a_pause_during_an_outage_answers_and_is_seen_later(
    sqlite_store: TimelineStore,
) -> None:
    log = FlakyLog()
    room = await build_room(sqlite_store, log)
    room.services.hub.retry_seconds = 0.05
    token = room.token("sup", Role.SUPERVISOR)
    async with (
        serve(room.app) as base,
        client(base) as http,
        feed(base, "supervisor", token) as (sup, hello),
    ):
        log.down = True
        r = await http.post("/seats/me/pause", json={"reason": "x"}, headers=room.headers("op3"))
        assert r.status_code == 200, r.text
        assert room.pbx.actions[-1][0] == "seat_pause"
        log.down = False
        event = await sup.event()
        assert (event["topic"], event["kind"], event["seat"]) == ("seat", "pause", "Seat 03")
        assert event["seq"] > hello["seq"]
