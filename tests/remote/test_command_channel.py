"""The command channel on the real Redis: replies, typed errors, deadlines, idempotency."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pytest

from callcenter.domain.events import CallQualified, Clock, Qualification
from callcenter.errors import (
    BridgeTimeoutError,
    BridgeUnavailableError,
    CallcenterError,
    CallNotQualifiableError,
    PbxRejectedError,
    PbxTimeoutError,
    PbxUnavailableError,
    QualificationInvalidError,
    TicketNotFoundError,
)
from callcenter.messaging.commands import (
    Command,
    CommandClient,
    RemoteCommandError,
    decode_error,
    encode_error,
)
from callcenter.messaging.connection import connect
from callcenter.pipeline.ports import PbxControl
from callcenter.remote.handlers import PBX_METHODS, bridge_handlers
from callcenter.remote.ports import RemoteEventSink, RemoteHandOff, RemotePbx
from tests.api.fakes import FakePbx
from tests.remote.channel import bridge, command_client, redis_keys

pytestmark = pytest.mark.redis


class RefusingPbx(FakePbx):
    async def seat_login(self, queue: str, interface: str, member_name: str) -> None:
        await super().seat_login(queue, interface, member_name)
        raise PbxRejectedError("QueueAdd", "Unable to add interface: Already there")


class Sink:
    def __init__(self) -> None:
        self.events: list[Any] = []

    async def submit(self, event: Any) -> None:
        self.events.append(event)


class Desk:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any], str]] = []
        self.qualified: list[tuple[str, dict[str, Any], str, str]] = []

    async def qualify(
        self, call_id: str, fields: Mapping[str, Any], by: str, request_id: str
    ) -> None:
        if call_id == "unanswered":
            raise CallNotQualifiableError(call_id, "queued")
        self.qualified.append((call_id, dict(fields), by, request_id))

    async def request(self, call_id: str, fields: Mapping[str, Any], by: str) -> str:
        if call_id == "unanswered":
            raise CallNotQualifiableError(call_id, "queued")
        self.requests.append((call_id, dict(fields), by))
        return f"T-{call_id}"


def test_the_bridge_handles_every_pbx_method() -> None:
    declared = {n for n, _ in inspect.getmembers(PbxControl, inspect.isfunction)}
    assert set(PBX_METHODS) == {n for n in declared if not n.startswith("_")}
    remote = {n for n, _ in inspect.getmembers(RemotePbx, inspect.isfunction)}
    assert set(PBX_METHODS) <= remote


@pytest.mark.parametrize(
    "error",
    [
        PbxRejectedError("QueueAdd", "Unable to add interface: Already there"),
        PbxTimeoutError("QueuePause: no answer in 5 s"),
        PbxUnavailableError("not connected to Asterisk"),
        QualificationInvalidError({"priority": "one of P1..P4", "address": "required"}),
        CallNotQualifiableError("1700.1", "queued"),
        CallNotQualifiableError("1700.2", None),
        CallcenterError("something refused"),
        BridgeTimeoutError("late"),
    ],
)
def test_errors_travel_as_they_were(error: CallcenterError) -> None:
    again = decode_error(json.loads(json.dumps(encode_error(error))))
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert vars(again) == vars(error)


def test_other_errors_keep_their_nearest_known_class() -> None:
    again = decode_error(encode_error(TicketNotFoundError("T-1")))
    assert isinstance(again, CallcenterError)
    assert str(again) == "no dispatch ticket T-1"
    assert isinstance(decode_error(encode_error(KeyError("x"))), RemoteCommandError)


async def test_pbx_actions_and_refusals_cross_over() -> None:
    pbx = RefusingPbx()
    async with (
        redis_keys() as (redis, keys),
        bridge(redis, keys, bridge_handlers(pbx, Sink(), Desk())),
    ):
        remote = RemotePbx(command_client(redis, keys))
        await remote.seat_pause("line19", "PJSIP/seat03", "break")
        await remote.change_priority("line19", "PJSIP/trunk-0001", 7)
        # a call-back: the Originate goes through the bridge like every seat action
        await remote.originate_callback("PJSIP/seat03", "+212612000001", "callback/1700.1/1")
        with pytest.raises(PbxRejectedError) as refused:
            await remote.seat_login("line19", "PJSIP/seat03", "Seat 03")
        assert refused.value.action == "QueueAdd"
        assert refused.value.message == "Unable to add interface: Already there"
        assert pbx.actions == [
            ("seat_pause", ("line19", "PJSIP/seat03", "break")),
            ("change_priority", ("line19", "PJSIP/trunk-0001", 7)),
            ("originate_callback", ("PJSIP/seat03", "+212612000001", "callback/1700.1/1")),
            ("seat_login", ("line19", "PJSIP/seat03", "Seat 03")),
        ]


async def test_events_and_hand_offs_cross_over() -> None:
    sink, desk = Sink(), Desk()
    now = datetime.now(UTC)
    q = Qualification(incident_type="fire", priority="P1", address="Rue 1", latitude=33.5)
    event = CallQualified(
        call_id="1700.1",
        at=now,
        received_at=now,
        source_id="api:qualify:k1",
        clock=Clock.ARRIVAL,
        qualification=q,
        by="op03",
    )
    async with (
        redis_keys() as (redis, keys),
        bridge(redis, keys, bridge_handlers(FakePbx(), sink, desk)),
    ):
        client = command_client(redis, keys)
        await RemoteEventSink(client).submit(event)
        await RemoteEventSink(client).submit(event)  # a retry: same command id, queued once
        fields = asdict(q)
        assert await RemoteHandOff(client).request("1700.1", fields, "op03") == "T-1700.1"
        with pytest.raises(CallNotQualifiableError):
            await RemoteHandOff(client).request("unanswered", fields, "op03")
        await RemoteHandOff(client).qualify("1700.1", fields, "op03", "api:k2")
        with pytest.raises(CallNotQualifiableError):
            await RemoteHandOff(client).qualify("unanswered", fields, "op03", "api:k3")
    assert sink.events == [event]
    assert desk.requests == [("1700.1", fields, "op03")]
    assert desk.qualified == [("1700.1", fields, "op03", "api:k2")]


async def test_a_command_id_is_performed_once() -> None:
    pbx = FakePbx()
    async with (
        redis_keys() as (redis, keys),
        bridge(redis, keys, bridge_handlers(pbx, Sink(), Desk())) as b,
    ):
        client = command_client(redis, keys)
        args = {"seat_interface": "PJSIP/seat03"}
        results = await asyncio.gather(
            client.call("pbx.answer", args, request_id="same"),
            client.call("pbx.answer", args, request_id="same"),
        )
        await client.call("pbx.answer", args, request_id="same")
        assert results == [None, None]
        assert pbx.actions == [("answer", ("PJSIP/seat03",))]
        assert b.server.stats.duplicates == 2


async def test_a_failed_command_may_be_tried_again() -> None:
    pbx = RefusingPbx()
    async with (
        redis_keys() as (redis, keys),
        bridge(redis, keys, bridge_handlers(pbx, Sink(), Desk())),
    ):
        client = command_client(redis, keys)
        args = {"queue": "line19", "interface": "PJSIP/seat03", "member_name": "Seat 03"}
        for _ in range(2):
            with pytest.raises(PbxRejectedError):
                await client.call("pbx.seat_login", args, request_id="again")
        assert len(pbx.actions) == 2


async def test_no_bridge_answers_unavailable_at_once() -> None:
    async with redis_keys() as (redis, keys):
        client = command_client(redis, keys, timeout=30.0)
        async with asyncio.timeout(5):  # not the 30 s deadline: there is no heartbeat
            with pytest.raises(PbxUnavailableError, match="no bridge"):
                await RemotePbx(client).answer("PJSIP/seat03")
            with pytest.raises(BridgeUnavailableError, match="no bridge"):
                await RemoteHandOff(client).request(
                    "c", {"incident_type": "fire", "priority": "P1", "address": "x"}, "op"
                )
        assert await redis.xlen(keys.commands) == 0  # nothing left behind to perform later


async def test_a_silent_bridge_answers_timeout_at_the_deadline() -> None:
    async with redis_keys() as (redis, keys):
        # A heartbeat but nobody reading: the bridge hung, or died a second ago.
        await redis.set(keys.heartbeat, json.dumps({"bridge": "gone", "ami": True}), ex=30)
        client = command_client(redis, keys, timeout=0.5)
        async with asyncio.timeout(5):
            with pytest.raises(PbxTimeoutError, match=r"did not answer within 0\.5 s"):
                await RemotePbx(client).answer("PJSIP/seat03")
            with pytest.raises(BridgeTimeoutError):
                await RemoteHandOff(client).request(
                    "c", {"incident_type": "fire", "priority": "P1", "address": "x"}, "op"
                )
        assert client.stats.timeouts == 2


async def test_a_late_command_is_never_performed() -> None:
    pbx = FakePbx()
    async with (
        redis_keys() as (redis, keys),
        bridge(redis, keys, bridge_handlers(pbx, Sink(), Desk())) as b,
    ):
        late = Command(
            id="late",
            op="pbx.answer",
            args={"seat_interface": "PJSIP/seat03"},
            deadline=time.time() - 1,
        )
        await redis.xadd(keys.commands, {"c": late.encode()})
        await command_client(redis, keys).call("pbx.answer", {"seat_interface": "PJSIP/seat04"})
        assert pbx.actions == [("answer", ("PJSIP/seat04",))]
        assert b.server.stats.expired == 1


async def test_a_command_left_by_a_stopped_bridge_is_taken_by_the_next() -> None:
    pbx = FakePbx()
    async with redis_keys() as (redis, keys):
        async with bridge(redis, keys, bridge_handlers(pbx, Sink(), Desk())):
            pass  # the group exists; this bridge stops
        await redis.set(keys.heartbeat, "{}", ex=5)  # as if the old bridge were still beating
        waiting = asyncio.create_task(
            command_client(redis, keys).call("pbx.answer", {"seat_interface": "PJSIP/seat05"})
        )
        async with asyncio.timeout(10):
            while not await redis.xlen(keys.commands):  # noqa: ASYNC110 (Redis has no event)
                await asyncio.sleep(0.02)
        async with bridge(redis, keys, bridge_handlers(pbx, Sink(), Desk())):
            assert await waiting is None
        assert pbx.actions == [("answer", ("PJSIP/seat05",))]


async def test_redis_down_answers_unavailable() -> None:
    async with redis_keys() as (_redis, keys):
        dead = connect("redis://127.0.0.1:1/0", timeout=0.5, block_seconds=1.0)
        client = CommandClient(dead, keys, timeout=2.0)
        with pytest.raises(PbxUnavailableError, match="Redis is unavailable"):
            await RemotePbx(client).seat_unpause("line19", "PJSIP/seat03")
        await dead.aclose()


async def test_a_second_bridge_is_noticed(caplog: pytest.LogCaptureFixture) -> None:
    async with redis_keys() as (redis, keys):
        await redis.set(keys.heartbeat, json.dumps({"bridge": "elsewhere", "ami": True}), ex=5)
        async with bridge(redis, keys, {}) as b, asyncio.timeout(10):
            while not b.server.stats.other_bridges:  # noqa: ASYNC110 (a log line, no event)
                await asyncio.sleep(0.02)
        assert "another bridge (elsewhere)" in caplog.text
