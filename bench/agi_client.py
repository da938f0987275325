"""Asterisk's side of a FastAGI burst: N qualify sessions opened at the same instant.

Reusable by any bench that needs the room filling at once (``burst``): each session connects,
sends the environment bytes a real Asterisk 20 sent (``tests/fixtures/fastagi-from-asterisk.raw``,
with its own uniqueid and caller ID), answers the server's commands as res_agi does
(``callcenter.sim.agi_peer``) and ends when the server closes the socket, which is when the
dialplan would continue. Run it in a process of its own (``BurstClient``) so that the server's
process is measured alone.

A session is *decided* when the dialplan got a real answer: ``QUEUE_PRIO`` and
``CALLCENTER_ROUTE`` set and ``CALLCENTER_DEGRADED=0``. Anything else fails open (the queue at
normal priority, without the repeat-caller check nor the room count).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from callcenter.sim.agi_peer import environment, play, split_sessions

RAW = Path(__file__).resolve().parent.parent / "tests/fixtures/fastagi-from-asterisk.raw"


@dataclass(frozen=True)
class Caller:
    uniqueid: str  # the Local ;2 leg's, in the environment
    linkedid: str  # what GET VARIABLE CHANNEL(linkedid) answers
    callerid: str


@dataclass
class SessionOutcome:
    seconds: float  # from the burst's instant to the server's close (connect included)
    answer_seconds: float  # from the end of the environment to the server's close
    variables: dict[str, str] = field(default_factory=dict)
    error: str = ""  # the session did not end with the server's close (timeout, refused)

    @property
    def decided(self) -> bool:
        v = self.variables
        return (
            not self.error
            and "QUEUE_PRIO" in v
            and "CALLCENTER_ROUTE" in v
            and v.get("CALLCENTER_DEGRADED") == "0"
        )


def callers(burst: int, n: int, *, repeat_every: int = 10) -> list[Caller]:
    """``n`` callers of burst number ``burst``: distinct calls; every ``repeat_every``-th caller
    (from the second burst on) is a caller of the previous burst calling again."""
    out = []
    for i in range(n):
        number = burst * n + i
        if burst > 0 and repeat_every and i % repeat_every == 0:
            number -= n  # the same number as in the previous burst
        out.append(
            Caller(
                uniqueid=f"{1_900_000_000 + burst}.{2 * i + 1}",
                linkedid=f"{1_900_000_000 + burst}.{2 * i}",
                callerid=f"066{number:07d}",  # Moroccan mobiles: the repeat lookup runs
            )
        )
    return out


async def burst(
    host: str, port: int, calls: Sequence[Caller], *, limit: float = 10.0
) -> list[SessionOutcome]:
    """Open one session per caller at the same instant; per-session times and variables."""
    template = split_sessions(RAW.read_bytes())[0]
    envs = [environment(template, agi_uniqueid=c.uniqueid, agi_callerid=c.callerid) for c in calls]
    go = asyncio.Event()
    instant: list[float] = []  # when the burst began, set just before ``go``

    async def one(env: bytes, caller: Caller) -> SessionOutcome:
        await go.wait()
        try:
            result = await play(
                host, port, env, variables={"CHANNEL(linkedid)": caller.linkedid}, limit=limit
            )
        except (OSError, TimeoutError) as exc:
            seconds = time.perf_counter() - instant[0]
            return SessionOutcome(seconds, float("nan"), error=type(exc).__name__)
        return SessionOutcome(
            seconds=time.perf_counter() - instant[0],
            answer_seconds=result.answer_seconds,
            variables=result.variables,
            error="" if result.closed_by_server else "not closed by the server",
        )

    tasks = [asyncio.ensure_future(one(env, c)) for env, c in zip(envs, calls, strict=True)]
    await asyncio.sleep(0)  # every session is waiting for the instant
    instant.append(time.perf_counter())
    go.set()
    return list(await asyncio.gather(*tasks))


def _serve(conn: Connection) -> None:
    """The client process: run each burst it is asked for, send back the outcomes."""
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        host, port, calls, limit = request
        try:
            conn.send(asyncio.run(burst(host, port, calls, limit=limit)))
        except Exception as exc:  # the parent must not wait for an answer that never comes
            conn.send(exc)


class BurstClient:
    """The Asterisk side in a separate process: ``await client.burst(port, calls)``."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        child.close()

    async def burst(
        self, port: int, calls: Sequence[Caller], *, host: str = "127.0.0.1", limit: float = 10.0
    ) -> list[SessionOutcome]:
        self._conn.send((host, port, list(calls), limit))
        answer = await asyncio.to_thread(self._conn.recv)
        if isinstance(answer, BaseException):
            raise RuntimeError("the Asterisk side failed") from answer
        assert isinstance(answer, list)
        return answer

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
