"""The burst client (Asterisk's side, reusable by other benches) and the bare baseline server:
what they say about each session, without any timing."""

from __future__ import annotations

import asyncio

from bench.agi_burst import BACKLOG, _bare_session, summary
from bench.agi_client import BurstClient, SessionOutcome, burst, callers
from callcenter.agi.protocol import LINE_LIMIT


async def start_bare() -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(
        _bare_session, "127.0.0.1", 0, limit=LINE_LIMIT, backlog=BACKLOG
    )
    return server, server.sockets[0].getsockname()[1]


def test_callers_are_distinct_calls_and_some_call_again() -> None:
    first, second = callers(0, 60), callers(1, 60)
    ids = {c.linkedid for c in first + second} | {c.uniqueid for c in first + second}
    assert len(ids) == 240
    again = {c.callerid for c in first} & {c.callerid for c in second}
    assert len(again) == 6  # one in ten of the second burst called in the first


async def test_burst_against_the_bare_server_is_decided() -> None:
    server, port = await start_bare()
    try:
        outcomes = await burst("127.0.0.1", port, callers(0, 25))
    finally:
        server.close()
        await server.wait_closed()
    assert len(outcomes) == 25
    assert all(o.decided for o in outcomes)
    assert outcomes[3].variables["CALLCENTER_CALL_ID"] == callers(0, 25)[3].linkedid
    assert all(o.seconds >= o.answer_seconds >= 0 for o in outcomes)
    assert summary(outcomes)["fail_open"] == 0


async def test_a_server_that_closes_without_answering_fails_open() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\n\n")
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        outcomes = await burst("127.0.0.1", port, callers(0, 5))
    finally:
        server.close()
        await server.wait_closed()
    assert not any(o.decided for o in outcomes)
    assert all(o.variables.get("CHANNEL(linkedid)") for o in outcomes)  # only what was given
    assert summary(outcomes)["fail_open"] == 5


async def test_nobody_listening_is_an_error_not_a_crash() -> None:
    server, port = await start_bare()
    server.close()
    await server.wait_closed()
    outcomes = await burst("127.0.0.1", port, callers(0, 3), limit=2.0)
    assert [o.error for o in outcomes] == ["ConnectionRefusedError"] * 3
    assert summary(outcomes)["errors"] == ["ConnectionRefusedError"]


def test_summary_counts_degraded_and_overflow() -> None:
    def outcome(ms: float, **variables: str) -> SessionOutcome:
        return SessionOutcome(ms / 1000, ms / 1000, variables)

    decided = {"QUEUE_PRIO": "0", "CALLCENTER_ROUTE": "queue", "CALLCENTER_DEGRADED": "0"}
    outcomes = [outcome(float(i), **decided) for i in range(1, 99)]
    outcomes.append(outcome(500.0, **{**decided, "CALLCENTER_DEGRADED": "1"}))
    outcomes.append(outcome(600.0, **{**decided, "CALLCENTER_ROUTE": "overflow"}))
    s = summary(outcomes)
    assert (s["sessions"], s["fail_open"], s["overflow"]) == (100, 1, 1)
    assert (s["p50_ms"], s["p99_ms"], s["max_ms"]) == (50.0, 500.0, 600.0)


async def test_the_client_in_its_own_process() -> None:
    server, port = await start_bare()
    client = BurstClient()
    try:
        outcomes = await client.burst(port, callers(2, 10))
    finally:
        client.close()
        server.close()
        await server.wait_closed()
    assert [o.decided for o in outcomes] == [True] * 10
