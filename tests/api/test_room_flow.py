"""A call through the room, driven over HTTP and websockets against the real pipeline.

The bridge is not merged yet: events are submitted to the CallProcessor exactly as the bridge
would (seam: replace ``room.processor.handle`` with the simulator + bridge and keep the
assertions). PBX actions go to a fake at the PbxControl port.
"""

from __future__ import annotations

from pathlib import Path

from callcenter.auth.roles import Role
from callcenter.domain.events import (
    CallAnswered,
    CallEntered,
    CallerLeftQueue,
    CallerQueued,
    SeatOffered,
)
from callcenter.domain.seats import SeatState
from callcenter.live.memory import MemoryLog
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.api.live_client import feed
from tests.api.room import PASSWORD, build_room, client, ev, serve
from tests.databases import sqlite_url

CALL = "1732240000.101"


async def test_call_offered_to_seat_3_reaches_only_seat_3_and_supervisors(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    room = await build_room(TimelineStore(engine), MemoryLog())
    try:
        async with serve(room.app) as base, client(base) as http:
            # Log in through the OAuth2 password flow like a panel would.
            login = await http.post("/auth/token", data={"username": "op3", "password": PASSWORD})
            assert login.status_code == 200, login.text
            op3_token = login.json()["access_token"]
            assert login.json()["seat"] == "Seat 03"
            bad = await http.post("/auth/token", data={"username": "op3", "password": "nope"})
            assert bad.status_code == 401

            sup_token = room.token("sup", Role.SUPERVISOR)
            op4_token = room.token("op4", Role.OPERATOR, "Seat 04")
            async with (
                feed(base, "operator", op3_token) as (op3, _),
                feed(base, "operator", op4_token) as (op4, _),
                feed(base, "supervisor", sup_token) as (sup, _),
            ):
                channel = "PJSIP/trunk-00000001"
                await room.processor.handle(
                    ev(CallEntered, CALL, caller_raw="0612345678", caller_e164="+212612345678")
                )
                await room.processor.handle(
                    ev(CallerQueued, CALL, queue="line19", position=1, count=1, channel=channel)
                )
                entered = await sup.event()
                assert (entered["kind"], entered["call_id"]) == ("entered", CALL)
                queued = await sup.event()
                assert queued["seq"] > entered["seq"]
                assert (queued["kind"], queued["call_id"]) == ("queued", CALL)
                assert queued["payload"]["state"] == "queued"

                await room.processor.handle(
                    ev(SeatOffered, CALL, queue="line19", seat="Seat 03", interface="PJSIP/seat03")
                )
                offer = await op3.event()
                assert (offer["kind"], offer["seat"], offer["call_id"]) == (
                    "offered",
                    "Seat 03",
                    CALL,
                )
                assert (await sup.event())["seq"] == offer["seq"]

                # Seat 04's next message is its own seat's change, not the offer.
                room.board.set("Seat 03", state=SeatState.RINGING, call_id=CALL)
                login4 = await http.post(
                    "/seats/me/login", headers={"Authorization": f"Bearer {op4_token}"}
                )
                assert login4.status_code == 200, login4.text
                mine = await op4.event()
                assert (mine["topic"], mine["kind"], mine["seat"]) == ("seat", "login", "Seat 04")
                assert mine["seq"] > offer["seq"]
                assert room.pbx.actions[-1] == ("seat_login", ("line19", "PJSIP/seat04", "Seat 04"))

                # Seat 03 answers through the seat phone driver.
                h3 = {"Authorization": f"Bearer {op3_token}"}
                answered = await http.post("/me/call/answer", headers=h3)
                assert answered.status_code == 200, answered.text
                assert room.pbx.actions[-1] == ("answer", ("PJSIP/seat03",))
                await room.processor.handle(
                    ev(CallerLeftQueue, CALL, queue="line19", position=1, count=0)
                )
                await room.processor.handle(
                    ev(
                        CallAnswered,
                        CALL,
                        queue="line19",
                        seat="Seat 03",
                        hold_seconds=7,
                        ring_seconds=2,
                    )
                )
                room.board.set("Seat 03", state=SeatState.IN_CALL, call_id=CALL)

                qualification = {
                    "incident_type": "theft",
                    "priority": "P1",
                    "address": "Bd Mohammed V, Casablanca",
                    "latitude": 33.5951,
                    "longitude": -7.6188,
                    "callback_e164": "+212612345678",
                }
                bad_q = await http.post(
                    "/me/call/qualify", headers=h3, json={**qualification, "priority": "P9"}
                )
                assert bad_q.status_code == 422
                bad_cb = await http.post(
                    "/me/call/qualify", headers=h3, json={**qualification, "callback_e164": "0612"}
                )
                assert bad_cb.status_code == 422
                q = await http.post("/me/call/qualify", headers=h3, json=qualification)
                assert q.status_code == 200, q.text
                handoff = await http.post("/me/call/handoff", headers=h3, json=qualification)
                assert handoff.status_code == 200, handoff.text
                ticket = handoff.json()["ticket_id"]

                kinds = [(await op3.event())["kind"]]
                while kinds[-1] != "qualified":
                    kinds.append((await op3.event())["kind"])
                assert kinds == ["left_queue", "answered", "qualified"]

            # The dispatcher sees the ticket and acknowledges it with a unit.
            hd = room.headers("disp")
            pending = await http.get("/dispatch/tickets", headers=hd)
            assert [t["id"] for t in pending.json()] == [ticket]
            ack = await http.post(
                f"/dispatch/tickets/{ticket}/ack", headers=hd, json={"unit": "CAS-12"}
            )
            assert ack.status_code == 200 and ack.json()["unit"] == "CAS-12"
            again = await http.post(
                f"/dispatch/tickets/{ticket}/ack", headers=hd, json={"unit": "X"}
            )
            assert again.status_code == 409

            # The auditor reads the timeline; the read is itself logged.
            ha = room.headers("aud")
            timeline = await http.get(f"/audit/calls/{CALL}/timeline", headers=ha)
            assert timeline.status_code == 200
            steps = timeline.json()["steps"]
            assert [s["seq"] for s in steps] == list(range(1, len(steps) + 1))
            assert [s["kind"] for s in steps][:4] == ["entered", "queued", "offered", "left_queue"]
            assert "qualified" in [s["kind"] for s in steps]
            page = await http.get(f"/calls/{CALL}/timeline?after_seq=2&limit=2", headers=ha)
            assert [s["seq"] for s in page.json()["steps"]] == [3, 4]
            assert page.json()["next_after_seq"] == 4
            log = await http.get(f"/audit/access-log?call_id={CALL}", headers=ha)
            entries = log.json()
            assert [(e["username"], e["action"]) for e in entries] == [
                ("aud", "timeline"),
                ("aud", "timeline"),
            ]

            # Search and the export.
            found = await http.get("/calls?number=0612345678", headers=ha)
            assert [c["id"] for c in found.json()] == [CALL]
            found = await http.get("/calls?number=%2B212612345678&incident_type=theft", headers=ha)
            assert [c["id"] for c in found.json()] == [CALL]
            none = await http.get("/calls?seat=Seat%2004", headers=ha)
            assert none.json() == []
            jsonl = await http.get("/audit/export?format=jsonl", headers=ha)
            assert jsonl.headers["content-type"].startswith("application/x-ndjson")
            assert '"id":"1732240000.101"' in jsonl.text
            csv_export = await http.get("/audit/export?format=csv", headers=ha)
            lines = csv_export.text.splitlines()
            assert lines[0].startswith("export_version,id,state")
            assert lines[1].startswith(f"1,{CALL},qualified")
    finally:
        await engine.dispose()
