"""Issue 14, item 1: the overflow loop cannot spin, whatever music on hold does.

On a real Asterisk 20 a missing music-on-hold class made ``MusicOnHold(default,10)`` return
at once and one caller ran 1,341 AGI rounds in 11 s. Here the simulator plays the shipped
``[overflow]`` loop with every application that can fail failing at once (no MOH class), the
real FastAGI server answering "overflow" every time: AGI rounds per caller stay bounded by
simulated time. The unpaced loop, played the same way, spins (the test can fail), and the
server refuses a channel that asks again too soon.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from callcenter.agi.pacing import RetryPacer
from callcenter.agi.protocol import AgiRequest, AgiSession
from callcenter.agi.server import FastAgiServer
from callcenter.sim import overflow, overflow_plan
from callcenter.sim.agi import AgiClient
from callcenter.sim.calls import Call, CallSpec
from callcenter.sim.clock import VirtualDriver
from callcenter.sim.config import load_queues_conf
from callcenter.sim.engine import SimOptions, Simulator
from callcenter.sim.members import pause

ROOT = Path(__file__).resolve().parents[2]
FILLER = "0600000000"
UNPACED = (  # the loop as it was when Asterisk spun on it: MusicOnHold paced it
    ("Set", "OVERFLOW_TRIES=$[${OVERFLOW_TRIES} + 1]"),
    ("Playback", overflow_plan.PROMPT),
    ("MusicOnHold", "default,${OVERFLOW_RETRY_WAIT}"),
    ("Set", "CALLCENTER_ROUTE=queue"),
    ("AGI", "${CALLCENTER_AGI}?retry=${OVERFLOW_TRIES}"),
    ("GotoIf", overflow_plan.GOTO_LOOP),
    ("Queue", "line19"),
    ("NoOp", "overflow: attempt ${OVERFLOW_TRIES} QUEUESTATUS=${QUEUESTATUS}"),
    ("Goto", "loop"),
)


class AlwaysOverflow:
    """A route that keeps every caller on the overflow path and counts who asked; the one
    filling the queue (``FILLER``) is left to the dialplan's default (the queue)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(
        self,
        session: AgiSession,
        request: AgiRequest,
        deadline: float,
        spawn: Callable[[Awaitable[None]], None],
    ) -> None:
        if request.get("agi_callerid") == FILLER:
            return
        self.asked.append(request.route)
        await session.set_variable("CALLCENTER_ROUTE", "overflow")


Room = tuple[Simulator, FastAgiServer, AlwaysOverflow]


@pytest.fixture
async def room() -> AsyncIterator[Callable[..., Awaitable[Room]]]:
    servers: list[FastAgiServer] = []

    async def make(**options: object) -> Room:
        route = AlwaysOverflow()
        holder: list[Simulator] = []
        server = FastAgiServer(
            {"qualify": route}, port=0, budget=2.0, retry_wait=10.0, clock=lambda: holder[0].now
        )
        await server.start()
        servers.append(server)
        url = f"agi://127.0.0.1:{server.port}/qualify"
        client = AgiClient(url, budget=2.0)
        # a queue of one place, taken by FILLER: a caller sent to the queue finds it FULL
        queues = {
            name: replace(conf, maxlen=1)
            for name, conf in load_queues_conf(ROOT / "asterisk/queues.conf").items()
        }
        sim = Simulator(
            queues,
            SimOptions(agi_url=url, agi_budget=2.0, seed=1, **options),  # type: ignore[arg-type]
            agi_starter=client.start,
        )
        holder.append(sim)
        for m in sim.queue("line19").members:
            pause(sim, "line19", m.interface, True, "pacing-test")
        sim.new_call(CallSpec(number=FILLER, patience=1000.0))
        await VirtualDriver(sim).run_for(0)
        assert len(sim.queue("line19").entries) == 1
        return sim, server, route

    yield make
    for server in servers:
        await server.close(grace=1.0)


def caller(sim: Simulator) -> Call:
    return sim.new_call(CallSpec(number="0612345678", patience=1000.0))


async def test_no_hold_music_and_an_overflow_answer_every_time_stay_paced(
    room: Callable[..., Awaitable[Room]],
) -> None:
    sim, server, route = await room(moh_classes=frozenset())
    call = caller(sim)
    await VirtualDriver(sim).run_for(120)
    # entry at t=0, then one round per Wait(10): at 10, 20, ..., 120
    assert call.agi_rounds == 12
    assert len(route.asked) == 13  # the entry's AGI + 12 retries
    assert route.asked[1:] == ["qualify"] * 12
    assert server.stats.paced == 0  # a paced loop is never refused
    assert sim.tally.moh_failures == 13  # StartMusicOnHold failed at once, each round (13th at 120)
    assert sim.tally.overflow_spins == 0
    assert call.state == "overflow" and call.id in sim.calls  # still on the line


async def test_the_unpaced_loop_spins_without_hold_music(
    room: Callable[..., Awaitable[Room]],
) -> None:
    """The control: the loop Asterisk spun on spins here too, and the server refuses it."""
    sim, server, route = await room(moh_classes=frozenset(), overflow_loop=UNPACED)
    call = caller(sim)
    await VirtualDriver(sim).run_for(1)
    assert sim.tally.overflow_spins == 1
    assert call.agi_rounds == overflow.SPIN_LIMIT
    # the server served the entry only: every retry at the same instant was refused, no work
    assert len(route.asked) == 1
    assert server.stats.paced == overflow.SPIN_LIMIT


async def test_the_unpaced_loop_was_paced_only_by_the_hold_music(
    room: Callable[..., Awaitable[Room]],
) -> None:
    sim, server, _route = await room(overflow_loop=UNPACED)
    call = caller(sim)
    await VirtualDriver(sim).run_for(60)
    assert call.agi_rounds == 6
    assert sim.tally.overflow_spins == 0 and server.stats.paced == 0


async def test_the_server_refuses_a_channel_asking_again_too_soon(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    route = AlwaysOverflow()
    server = FastAgiServer({"qualify": route}, port=0, retry_wait=10.0, clock=lambda: now[0])
    await server.start()

    async def ask(uniqueid: str) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            f"agi_network: yes\nagi_network_script: qualify?retry=1\nagi_channel: PJSIP/trunk-1\n"
            f"agi_uniqueid: {uniqueid}\n\n".encode()
        )
        got = b""
        while line := await reader.readline():
            got += line
            writer.write(b"200 result=1\n")
        writer.close()
        return got

    try:
        with caplog.at_level(logging.WARNING):
            assert await ask("1.1") == b'SET VARIABLE CALLCENTER_ROUTE "overflow"\n'
            now[0] += 9.9
            assert await ask("1.1") == b""  # closed at once: the dialplan's default stands
            assert await ask("1.2") != b""  # another channel is not held back
            now[0] += 0.1
            assert await ask("1.1") != b""  # 10 s after the last answered session
    finally:
        await server.close()
    assert server.stats.paced == 1
    assert len(route.asked) == 3
    assert "asked again within 10.0 s, refused" in caplog.text


def test_the_pacer_forgets_old_channels_and_stays_bounded() -> None:
    pacer = RetryPacer(10.0, max_entries=3)
    assert pacer.admit("a", 0.0) and not pacer.admit("a", 5.0)
    assert pacer.admit("", 5.0) and pacer.admit("", 5.0)  # unnamed: never refused
    for i, key in enumerate("bcde"):
        assert pacer.admit(key, 6.0 + i)
    assert len(pacer) == 3  # "a" and "b" went first
    assert pacer.admit("a", 9.5)
    assert len(pacer) == 3 and not pacer.admit("e", 15.0)
    assert pacer.admit("e", 19.0)
    assert len(pacer) == 2  # "e" again and "a" (9.5): those older than 19 - 10 are forgotten
    with pytest.raises(ValueError, match="min_interval"):
        RetryPacer(-1.0)
