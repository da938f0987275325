"""The live path (panoramisk underneath) against a replay of real Asterisk sessions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from pydantic import SecretStr

from callcenter.ami.client import AmiClient, AmiLoginError
from callcenter.ami.control import AmiPbxControl
from callcenter.domain.seats import SeatState
from callcenter.errors import PbxRejectedError, PbxUnavailableError
from callcenter.settings import AmiSettings
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import FIXTURES, Room, make_room
from tests.ami.replay_server import ReplayAmiServer, Session
from tests.ami.transcript import expected_calls


def settings(port: int, secret: str = "bridge-secret") -> AmiSettings:
    return AmiSettings(
        port=port,
        username="bridge",
        secret=SecretStr(secret),
        ping_interval=30,
        action_timeout=3,
    )


@pytest.fixture
async def room(sqlite_store: TimelineStore) -> AsyncIterator[Room]:
    room = make_room(sqlite_store, offline=False)
    room.runner.start()
    yield room
    await room.runner.close()


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polls state the code under test owns
            await asyncio.sleep(0.02)


async def test_bad_secret_is_a_typed_login_error(room: Room) -> None:
    server = ReplayAmiServer([Session(FIXTURES / "login-bad-secret.ami")], secret="other")
    client = AmiClient(settings(await server.start()), room.bridge)
    try:
        with pytest.raises(AmiLoginError) as err:
            await client.connect_once()
        assert err.value.message == "Authentication failed"
        assert not client.logged_in.is_set()
        with pytest.raises(PbxUnavailableError):
            await AmiPbxControl(client).hangup("Local/19@from-pstn-00000000;2")
    finally:
        await client.close()
        await server.close()


async def test_actions_get_asterisks_answers_and_refusals(room: Room) -> None:
    server = ReplayAmiServer(
        [Session(FIXTURES / "seat-login-pause.ami", drop=False)],
        answer=frozenset({"Login", "QueueAdd"}),
        deny=frozenset({"Originate"}),
    )
    client = AmiClient(settings(await server.start()), room.bridge)
    task = asyncio.create_task(client.run())
    control = AmiPbxControl(client)
    try:
        await asyncio.wait_for(client.logged_in.wait(), 5)
        await control.seat_login("line19", "Local/seat21@seats/n", "Seat 21")
        with pytest.raises(PbxRejectedError) as err:
            await control.seat_login("line19", "Local/seat21@seats/n", "Seat 21")
        assert err.value.message == "Unable to add interface: Already there"
        with pytest.raises(PbxRejectedError) as err:
            await control.originate_callback("Local/seat21@seats/n", "0612345678")
        assert err.value.message == "Permission denied"
        await until(lambda: room.seats.seat("Seat 21") is not None)
        assert client.logged_in.is_set(), "a refusal does not cost the connection"
        sent = [h for h in server.received if h.get("Action") == "QueueAdd"]
        assert sent[0]["MemberName"] == "Seat 21"
    finally:
        await client.close()
        await asyncio.wait_for(task, 5)
        await server.close()


async def test_connection_cut_mid_call_is_resynced_without_duplicates(room: Room) -> None:
    first, second = FIXTURES / "ts-reconnect.ami", FIXTURES / "ts-reconnect-2.ami"
    server = ReplayAmiServer(
        [Session(first, drop=True, hold_until="CoreShowChannels"), Session(second, drop=False)]
    )
    client = AmiClient(settings(await server.start()), room.bridge, backoff_initial=0.2)
    task = asyncio.create_task(client.run())
    c05 = "1795319770.60"
    try:
        await until(lambda: server.connections == 2)
        await until(lambda: (room.processor.cached(c05) or _never).line_ended)
        await room.runner.drain()
    finally:
        await client.close()
        await asyncio.wait_for(task, 5)
        await server.close()

    assert client.stats.reconnects == 1
    assert room.bridge.stats.resyncs == 2  # at each login
    assert room.processor.stats.anomalies == 0
    expected = expected_calls([first, second])
    assert len(expected) == 5
    for call_id, fields in expected.items():
        row = await room.store.get_call(call_id)
        assert row is not None
        assert {k: row[k] for k in fields} == fields
        steps = await room.store.timeline(call_id)
        kinds = [s["kind"] for s in steps]
        sources = [s["source_id"] for s in steps]
        assert len(set(sources)) == len(sources)
        assert kinds.count("resynced") == 1, kinds
        assert kinds[-2:] == ["conversation_ended", "line_ended"], kinds
        assert len(kinds) == len(set(kinds)), "nothing is duplicated"
        gap = next(s for s in steps if s["kind"] == "resynced")["payload"]
        assert gap["gap_started"] < gap["gap_ended"]
        assert row["state"] == "answered" and row["line_ended"]

    # Seats were rebuilt from the QueueStatus snapshot, then followed live.
    seats = room.seats.seats()
    assert len([s for s in seats if s.queue == "line19"]) == 20
    seat09 = room.seats.seat("Seat 09")
    assert seat09 is not None and seat09.state is SeatState.PAUSED
    assert seat09.paused_reason == "reconnect-test"
    assert all(s.state is not SeatState.IN_CALL for s in seats), "every seat leg hung up at the end"


class _Never:
    line_ended = False


_never = _Never()


async def test_a_peer_that_stops_answering_pings_is_dropped_and_redialled(room: Room) -> None:
    server = ReplayAmiServer(
        [Session(FIXTURES / "login-events-off.ami", drop=False)], answer_ping=False
    )
    fast = settings(await server.start()).model_copy(
        update={"ping_interval": 0.1, "action_timeout": 0.2}
    )
    client = AmiClient(fast, room.bridge, backoff_initial=0.05)
    task = asyncio.create_task(client.run())
    try:
        await until(lambda: server.connections >= 2)
    finally:
        await client.close()
        await asyncio.wait_for(task, 5)
        await server.close()
    assert client.stats.ping_timeouts >= 1
    assert client.stats.reconnects >= 1
