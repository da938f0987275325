"""GET /room/config, GET /me/phone (own seat's SIP account only, never logged) and
GET /me/calls (the seat's calls this shift)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr, ValidationError

from callcenter.domain.events import CallAnswered, CallEntered, CallerQueued
from callcenter.live.memory import MemoryLog
from callcenter.settings import PhoneSettings, RoomSettings, SeatPhone, Settings
from callcenter.storage.store import TimelineStore
from tests.api.room import Room, build_room, client, ev, serve

SECRET_03 = "s3cr3t-of-seat-03"
SECRET_05 = "s3cr3t-of-seat-05"
SIP = PhoneSettings(
    mode="sip",
    ws_url="wss://pbx.example:8089/ws",
    domain="pbx.example",
    seats={
        "Seat 03": SeatPhone(user="seat03", password=SecretStr(SECRET_03)),
        "Seat 05": SeatPhone(user="seat05", password=SecretStr(SECRET_05)),
    },
)


async def _served(store: TimelineStore, **kwargs: object) -> AsyncIterator[tuple[Room, str]]:
    room = await build_room(store, MemoryLog(), **kwargs)
    async with serve(room.app) as base:
        yield room, base


@pytest.fixture
async def sip_room(sqlite_store: TimelineStore) -> AsyncIterator[tuple[Room, str]]:
    async for served in _served(
        sqlite_store,
        phone=SIP,
        room_settings=RoomSettings(time_zone="Europe/Paris", pause_reasons=["lunch"]),
        incident_types=["theft", "fire", "cattle_rustling"],
    ):
        yield served


async def test_room_config_for_every_role(sip_room: tuple[Room, str]) -> None:
    room, base = sip_room
    async with client(base) as http:
        for user in ("op3", "sup", "aud", "disp", "adm"):
            r = await http.get("/room/config", headers=room.headers(user))
            assert r.status_code == 200, (user, r.text)
            assert r.json() == {
                # configured, "other" always; a code the qualification form refuses is left out
                "incident_types": ["theft", "fire", "other"],
                "priorities": ["P1", "P2", "P3", "P4"],
                "pause_reasons": ["lunch"],
                "time_zone": "Europe/Paris",
                "wrapup_seconds": 5,
                "phone_mode": "sip",
                "sla_answer_seconds": 15,
            }
        assert (await http.get("/room/config")).status_code == 401


async def test_defaults_and_demo_phone(base: str, room: Room) -> None:
    async with client(base) as http:
        config = (await http.get("/room/config", headers=room.headers("sup"))).json()
        assert config["time_zone"] == "Africa/Casablanca"
        assert config["pause_reasons"] == ["break", "training", "meeting", "technical"]
        assert "road_accident" in config["incident_types"]
    demo = await build_room(room.services.store, MemoryLog(), phone=PhoneSettings(mode="demo"))
    async with serve(demo.app) as demo_base, client(demo_base) as http:
        r = await http.get("/me/phone", headers=demo.headers("op3"))
        assert r.status_code == 200 and r.json() == {"mode": "demo", "seat": "Seat 03"}
        cfg = (await http.get("/room/config", headers=demo.headers("op3"))).json()
        assert cfg["phone_mode"] == "demo"


async def test_sip_credentials_of_the_own_seat_only_never_logged(
    sip_room: tuple[Room, str], caplog: pytest.LogCaptureFixture
) -> None:
    room, base = sip_room
    caplog.set_level(logging.DEBUG)
    async with client(base) as http:
        r = await http.get("/me/phone", headers=room.headers("op3"))
        assert r.status_code == 200, r.text
        assert r.json() == {
            "mode": "sip",
            "seat": "Seat 03",
            "ws_url": "wss://pbx.example:8089/ws",
            "uri": "sip:seat03@pbx.example",
            "authorization_user": "seat03",
            "password": SECRET_03,
            "display_name": "Seat 03",
        }
        assert r.headers["cache-control"] == "no-store"
        assert SECRET_05 not in r.text
        # Seat 04 has no account: 409, and nobody else's.
        r4 = await http.get("/me/phone", headers=room.headers("op4"))
        assert r4.status_code == 409 and "Seat 04" in r4.json()["detail"]
        assert SECRET_03 not in r4.text and SECRET_05 not in r4.text
        for user in ("sup", "disp", "adm", "aud"):
            assert (await http.get("/me/phone", headers=room.headers(user))).status_code == 403
    logged = "\n".join(f"{rec.getMessage()} {rec.__dict__}" for rec in caplog.records)
    assert SECRET_03 not in logged and SECRET_05 not in logged
    assert SECRET_03 not in repr(SIP) and SECRET_03 not in str(SIP.model_dump())


def test_phone_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_PHONE__MODE", "sip")
    monkeypatch.setenv("CALLCENTER_PHONE__WS_URL", "wss://pbx.example:8089/ws")
    monkeypatch.setenv("CALLCENTER_PHONE__DOMAIN", "pbx.example")
    monkeypatch.setenv(
        "CALLCENTER_PHONE__SEATS", '{"Seat 03": {"user": "seat03", "password": "pw3"}}'
    )
    monkeypatch.setenv("CALLCENTER_ROOM__PAUSE_REASONS", '["break", "prayer"]')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.phone.seats["Seat 03"].password.get_secret_value() == "pw3"
    assert settings.room.pause_reasons == ["break", "prayer"]
    assert "pw3" not in repr(settings)
    with pytest.raises(ValidationError, match="time zone"):
        RoomSettings(time_zone="Mars/Olympus")
    with pytest.raises(ValidationError, match="ws_url"):
        PhoneSettings(mode="sip", seats={"Seat 03": SeatPhone(user="u", password=SecretStr("p"))})


async def _call(room: Room, call_id: str, seat: str, rang: datetime) -> None:
    p = room.processor
    await p.handle(ev(CallEntered, call_id, at=rang, caller_raw="0612345678"))
    await p.handle(ev(CallerQueued, call_id, at=rang, queue="line19", position=1, count=1))
    await p.handle(
        ev(
            CallAnswered,
            call_id,
            at=rang,
            queue="line19",
            seat=seat,
            hold_seconds=2,
            ring_seconds=1,
        )
    )


async def test_my_calls_this_shift_newest_first(room: Room, base: str) -> None:
    now = datetime.now(UTC)
    await _call(room, "c-old", "Seat 03", now - timedelta(hours=13))  # before the shift
    await _call(room, "c-1", "Seat 03", now - timedelta(hours=2))
    await _call(room, "c-2", "Seat 03", now - timedelta(minutes=5))
    await _call(room, "c-other", "Seat 04", now - timedelta(minutes=1))
    async with client(base) as http:
        r = await http.get("/me/calls", headers=room.headers("op3"))
        assert r.status_code == 200, r.text
        calls = r.json()
        assert [c["id"] for c in calls] == ["c-2", "c-1"]
        assert calls[0]["state"] == "answered" and calls[0]["seat"] == "Seat 03"
        assert {"outcome", "caller_e164", "dispatch_unit", "incident_type"} <= set(calls[0])
        one = await http.get("/me/calls", params={"limit": 1}, headers=room.headers("op3"))
        assert [c["id"] for c in one.json()] == ["c-2"]
        bad = await http.get("/me/calls", params={"limit": 0}, headers=room.headers("op3"))
        assert bad.status_code == 422
        r4 = await http.get("/me/calls", headers=room.headers("op4"))
        assert [c["id"] for c in r4.json()] == ["c-other"]


@pytest.mark.parametrize(
    "seats",
    [
        '{"Seat 03": {"user": "seat03", "password": "pw-LEAK"}}',  # sip without ws_url/domain
        '{"Seat 03": {"usr": "seat03", "password": "pw-LEAK"}}',
        '{"Seat 03": "pw-LEAK"}',
        '["pw-LEAK"]',
        "pw-LEAK",
    ],
)
def test_a_refused_phone_setting_never_echoes_the_password(
    monkeypatch: pytest.MonkeyPatch, seats: str
) -> None:
    monkeypatch.setenv("CALLCENTER_PHONE__MODE", "sip")
    monkeypatch.setenv("CALLCENTER_PHONE__SEATS", seats)
    with pytest.raises(Exception) as refused:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert "pw-LEAK" not in str(refused.value) and "pw-LEAK" not in repr(refused.value)
    assert "phone" in str(refused.value)
