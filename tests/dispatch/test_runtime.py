"""``open_dispatch``, as the composition root runs it: relay and escalation as owned tasks."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from callcenter.assembly.dispatch import open_dispatch
from callcenter.dispatch.handoff import PipelineCalls
from callcenter.domain.dispatch import TicketState
from callcenter.settings import DispatchSettings, RedisSettings, Settings
from callcenter.storage.database import create_engine, upgrade
from tests.databases import sqlite_url
from tests.dispatch.conftest import FIELDS, REDIS_URL, make_room


@pytest.mark.parametrize("mode", ["embedded", pytest.param("redis", marks=pytest.mark.redis)])
async def test_runtime_hands_off_and_escalates(
    mode: str, tmp_path: Path, redis: Redis, stream_name: str
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database={"url": sqlite_url(tmp_path)},
        redis=RedisSettings(
            url=REDIS_URL if mode == "redis" else None, dispatch_stream=stream_name
        ),
        dispatch=DispatchSettings(escalate_after_seconds=0.2, escalation_check_seconds=0.05),
    )
    engine = create_engine(settings.database_url())
    await upgrade(engine)
    room = await make_room(engine)
    calls = PipelineCalls(room.processor, room.store)
    try:
        async with open_dispatch(
            settings, room.store, room.sink, console=f"c-{uuid.uuid4().hex[:6]}", calls=calls
        ) as dispatch:
            call_id = await room.answered_call()
            handoff = await dispatch.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
            ticket_id = handoff.ticket_id or ""

            async def on_view() -> bool:
                return ticket_id in [t.id for t in await dispatch.desk.pending()]

            async def escalated() -> bool:
                return (await room.kinds(call_id))[-1] == "dispatch_escalated"

            await eventually(on_view)
            await eventually(escalated)
            ticket = await dispatch.tickets.get(ticket_id)
            assert ticket is not None and ticket.state is TicketState.ESCALATED
            await dispatch.desk.acknowledge(ticket_id, "CAR-01", by="radio1")
            assert await dispatch.desk.pending() == []
        kinds = await room.kinds(call_id)
        assert kinds[4:] == ["qualified", "dispatch_sent", "dispatch_escalated", "handed_off"]
        assert [m.kind for m in room.notifier.messages if m.topic == "alert"] == [
            "dispatch_escalated"
        ]
    finally:
        await engine.dispose()


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    """Wait for the background tasks to get there (polls a database state)."""
    for _ in range(int(seconds / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{check.__name__} never became true")
