"""``callcenter demo`` as a newcomer (and the web e2e test) runs it: on free ports, its data in
a temporary directory, one seat left to a person who answers, qualifies and hands off through
the API while the simulator plays the rest; the dispatcher acknowledges with the nearest unit."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from callcenter.demo import DemoError, banner, check_manual_seats, operator_for
from callcenter.settings import AgiSettings, AmiSettings, ApiSettings, Settings, SimSettings
from tests.integration.test_room_with_simulator import eventually, free_port, token

ROOT = Path(__file__).resolve().parents[2]
SEATS = [f"Seat {n:02d}" for n in range(1, 21)]


def test_banner_names_panels_logins_and_the_persons_seat() -> None:
    settings = Settings(
        api=ApiSettings(port=18000),
        ami=AmiSettings(port=15038),
        agi=AgiSettings(port=14573),
        sim=SimSettings(control_port=15555),
    )
    text = banner(settings, ["Seat 03"], web_built=False)
    for url in ("/", "/dispatch", "/wallboard", "/audit", "/docs"):
        assert f"http://127.0.0.1:18000{url}" in text
    assert "op01..op20" in text and "dispatcher, supervisor, auditor, admin" in text
    assert "demo-password" in text
    assert "your seat: Seat 03: log in as op03" in text
    assert "scripts/build-web" in text
    assert "AMI 127.0.0.1:15038" in text and "127.0.0.1:14573" in text
    assert "http://127.0.0.1:15555/_state" in text
    everyone = banner(Settings(), [], web_built=True)
    assert '--seat "Seat 03"' in everyone and "build-web" not in everyone
    assert "http://127.0.0.1:5039/_state" in everyone  # the AMI port + 1 by default


def test_manual_seats_are_named_as_the_room_names_them() -> None:
    assert check_manual_seats(["Seat 01", "seat03", "PJSIP/seat03"], SEATS) == [
        "Seat 01",
        "Seat 03",
    ]
    with pytest.raises(DemoError, match="Seat 99"):
        check_manual_seats(["Seat 99"], SEATS)
    assert (operator_for("Seat 07"), operator_for("nothing")) == ("op07", None)


def _env(tmp_path: Path, ports: dict[str, int]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    return {
        **env,
        "CALLCENTER_DATA_DIR": str(tmp_path / "data"),
        "CALLCENTER_API__PORT": str(ports["api"]),
        "CALLCENTER_AMI__PORT": str(ports["ami"]),
        "CALLCENTER_AGI__PORT": str(ports["agi"]),
        "CALLCENTER_SIM__CONTROL_PORT": str(ports["control"]),
        "CALLCENTER_API__WEB_DIR": str(tmp_path / "no-web-app"),
    }


def test_an_unknown_seat_is_refused_before_anything_starts(tmp_path: Path) -> None:
    ports = {k: free_port() for k in ("api", "ami", "agi", "control")}
    done = subprocess.run(
        [sys.executable, "-m", "callcenter", "demo", "--seat", "Seat 99"],
        cwd=tmp_path,
        env=_env(tmp_path, ports),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done
    assert "no seat 'Seat 99'" in done.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.slow
async def test_demo_on_free_ports_with_a_seat_left_to_a_person(tmp_path: Path) -> None:
    ports = {k: free_port() for k in ("api", "ami", "agi", "control")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "callcenter", "demo", "--seat", "Seat 01",
        cwd=tmp_path, env=_env(tmp_path, ports),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    out: list[str] = []
    base = f"http://127.0.0.1:{ports['api']}"
    try:
        async with asyncio.timeout(60):
            while not out or "Ctrl-C" not in out[-1]:
                line = (await proc.stdout.readline()).decode()
                assert line, "".join(out)
                out.append(line)
        text = "".join(out)
        assert f"operator    {base}/" in text and f"{base}/dispatch" in text
        assert "your seat: Seat 01: log in as op01" in text
        assert f"http://127.0.0.1:{ports['control']}/_state" in text
        assert str(tmp_path / "data") in text
        drain = asyncio.create_task(proc.stdout.read())  # keep the pipe flowing

        async with httpx.AsyncClient(base_url=base, timeout=20) as http:

            async def up() -> bool:
                try:
                    return (await http.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(up, 30)
            async with httpx.AsyncClient(timeout=5) as control:
                state = await control.get(f"http://127.0.0.1:{ports['control']}/_state")
                assert state.status_code == 200
            sup = {"Authorization": f"Bearer {await token(http, 'supervisor')}"}
            me = {"Authorization": f"Bearer {await token(http, 'op01')}"}
            radio = {"Authorization": f"Bearer {await token(http, 'dispatcher')}"}
            for seat in SEATS[1:]:  # the next call can only ring the person's seat
                r = await http.post(
                    f"/supervisor/seats/{seat}/pause", headers=sup, json={"reason": "brief"}
                )
                assert r.status_code == 200, r.text
            phone = await http.get("/me/phone", headers=me)
            assert phone.json() == {"mode": "demo", "seat": "Seat 01"}

            async def rings() -> bool:
                return (await http.get("/me/call", headers=me)).status_code == 200

            await eventually(rings, 90)
            answer = await http.post("/me/call/answer", headers=me)
            assert answer.status_code == 200, answer.text

            async def answered() -> bool:
                r = await http.get("/me/call", headers=me)
                return r.status_code == 200 and r.json()["call"]["state"] == "answered"

            await eventually(answered, 15)
            place = {
                "incident_type": "road_accident",
                "priority": "P1",
                "address": "Bd Zerktouni, Casablanca",
                "latitude": 33.589,
                "longitude": -7.63,
            }
            handoff = await http.post("/me/call/handoff", headers=me, json=place)
            assert handoff.status_code == 200, handoff.text
            ticket = handoff.json()["ticket_id"]

            async def listed() -> list[dict[str, Any]]:
                tickets = (await http.get("/dispatch/tickets", headers=radio)).json()
                return [t for t in tickets if t["id"] == ticket]

            async def pending() -> bool:
                return bool(await listed())

            await eventually(pending, 15)
            [shown] = await listed()
            assert shown["seat"] == "Seat 01"
            nearest = shown["candidates"][0]["unit"]
            ack = await http.post(
                f"/dispatch/tickets/{ticket}/ack", headers=radio, json={"unit": nearest}
            )
            assert ack.status_code == 200, ack.text
            hangup = await http.post("/me/call/hangup", headers=me)
            assert hangup.status_code == 200, hangup.text
            mine = (await http.get("/me/calls", headers=me)).json()
            assert ticket in [c["dispatch_ticket"] for c in mine]
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(60):
            assert await proc.wait() == 0
        rest = (await drain).decode()
        assert "callcenter demo: stopped" in rest, rest[-2000:]
        assert re.search(r"Traceback", rest) is None, rest[-4000:]
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
