"""A call-back that is up while the AMI connection drops: the whole room against the PBX
simulator over real sockets. The bridge logs in again and resyncs from the snapshot (QueueStatus,
then CoreShowChannels, which lists the call-back's two legs): the call-back stays the seat's own
call, no line-19 call; the operator hangs it up from the panel after the reconnect; no phantom
call, no anomaly."""

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


@pytest.mark.slow
async def test_a_call_back_survives_a_reconnect_as_the_seats_own_call(tmp_path: Path) -> None:
    async with running_room(tmp_path) as r, httpx.AsyncClient(base_url=r.base) as http:
        sim, bridge = r.sim.sim, r.room.bridge
        for interface in SEATS:  # nobody answers: the caller abandons
            sim.manual.add(interface)
            await r.room.pbx.seat_pause("line19", interface, "incident")
        caller = sim.new_call(CallSpec(number="0612000077", patience=1.5))
        op = {"Authorization": f"Bearer {await token(http, 'op03')}"}
        sim.manual.discard("PJSIP/seat03")  # a simulated phone: it picks up by itself
        await r.room.pbx.seat_unpause("line19", "PJSIP/seat03")

        async def offered() -> bool:
            reply = (await http.get("/me/callback", headers=op)).json()
            return bool(reply["task"] is not None and reply["task"]["call_id"] == caller.id)

        await eventually(offered, 20)
        started = await http.post(f"/me/callback/{caller.id}/call", headers=op)
        assert started.status_code == 200, started.text

        async def talking() -> bool:  # the number answered: seat and number are bridged
            call = sim.phones.get("PJSIP/seat03")
            return call is not None and bool(call.bridge)

        await eventually(talking, 20)
        back = sim.phones["PJSIP/seat03"]
        seat_leg, callback_id = back.leg1.name, back.leg1.linkedid
        assert bridge.seat_channel("PJSIP/seat03") == seat_leg

        resyncs = bridge.stats.resyncs
        assert r.sim.ami.drop_all() == 1  # no Logoff: the connection is just gone

        async def resynced() -> bool:
            return bridge.stats.resyncs > resyncs

        await eventually(resynced, 20)
        assert sim.phones.get("PJSIP/seat03") is back  # still talking after the reconnect
        assert callback_id not in bridge.live_calls()
        assert bridge.seat_channel("PJSIP/seat03") == seat_leg

        hung = await http.post("/me/call/hangup", headers=op)
        assert hung.status_code == 200, hung.text

        async def ended() -> bool:
            seat = (await http.get("/seats/me", headers=op)).json()
            return "PJSIP/seat03" not in sim.phones and seat["state"] == "available"

        await eventually(ended, 10)
        await r.room.runner.drain()
        assert bridge.seat_channel("PJSIP/seat03") is None
        assert callback_id not in bridge.live_calls()
        assert await r.store.get_call(callback_id) is None  # no phantom line-19 call
        steps = await kinds(r.store, caller.id)
        assert "callback_result" in steps and "anomaly" not in steps
        rows = [c async for c in r.store.calls()]
        assert [c["id"] for c in rows] == [caller.id]
        assert r.room.runner.stats.failed == 0
