"""The simulator calls a real FastAGI server (a tiny one here) exactly as Asterisk does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from callcenter.sim.agi import AgiClient
from callcenter.sim.calls import CallSpec
from callcenter.sim.clock import VirtualDriver
from callcenter.sim.config import load_queues_conf
from callcenter.sim.engine import Simulator
from callcenter.sim.members import pause
from callcenter.sim.options import SimOptions
from tests.sim import fidelity

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def recorded_env_keys() -> list[str]:
    keys = []
    for line in (FIXTURES / "sim-fastagi-env.txt").read_text().splitlines():
        if "<< b'agi_" in line:
            key = line.split("<< b'", 1)[1].split(":", 1)[0]
            if key not in keys and not key.startswith("agi_arg"):
                keys.append(key)
    return keys


@pytest.fixture
async def agi_server() -> AsyncIterator[Callable[[Handler], Awaitable[int]]]:
    servers: list[asyncio.Server] = []
    writers: list[asyncio.StreamWriter] = []
    tasks: set[asyncio.Task[None]] = set()

    async def serve(handler: Handler) -> int:
        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writers.append(writer)
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)  # type: ignore[arg-type]
            try:
                await handler(reader, writer)
            finally:
                writer.close()

        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield serve
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for writer in writers:
        writer.close()
    for server in servers:
        server.close()
        await server.wait_closed()


def simulator(url: str, budget: float = 0.5) -> tuple[Simulator, AgiClient, list[bytes]]:
    client = AgiClient(url, budget)
    sim = Simulator(
        load_queues_conf(FIXTURES / "sim-recorded-queues.conf"),
        SimOptions(agi_url=url, agi_budget=budget, seed=1),
        agi_starter=client.start,
    )
    got: list[bytes] = []
    sim.stream.listeners.append(lambda _n, _p, data: got.append(data))
    for m in sim.queue("line19").members:
        pause(sim, "line19", m.interface, True, "agi-test")
    return sim, client, got


def varsets(got: list[bytes]) -> dict[str, str]:
    msgs = fidelity.messages(b"".join(got))
    return {
        fidelity.get(m, "Variable"): fidelity.get(m, "Value")
        for m in msgs
        if fidelity.kind(m) == "VarSet"
    }


async def test_environment_replies_and_variables_as_asterisk(agi_server) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, object] = {}

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        env = []
        while (line := await reader.readline()) != b"\n":
            assert line.endswith(b"\n") and not line.endswith(b"\r\n")
            env.append(line.decode().rstrip("\n"))
        seen["env"] = env
        replies = []
        for command in (
            b"GET VARIABLE CALLERID(num)\n",
            b"FOOBAR\n",
            b"SET VARIABLE QUEUE_PRIO 5\n",
            b"GET VARIABLE NOT_SET_ANYWHERE\n",
            b"SET VARIABLE\n",
        ):
            writer.write(command)
            reply = [await reader.readline()]
            while reply[-1].startswith(b"520-") or (
                reply[0].startswith(b"520-") and not reply[-1].startswith(b"520 ")
            ):
                reply.append(await reader.readline())
            replies.append(b"".join(reply))
        seen["replies"] = replies
        writer.close()

    port = await agi_server(handler)
    sim, client, got = simulator(f"agi://127.0.0.1:{port}/qualify?x=1")
    sim.new_call(CallSpec(number="0612345678", name="Dave 04", patience=60))
    sim.new_call(CallSpec(number="0612345679", patience=60))
    await VirtualDriver(sim).run_for(2)

    env = seen["env"]
    assert isinstance(env, list)
    assert [line.split(":", 1)[0] for line in env] == recorded_env_keys()
    assert "agi_network_script: qualify?x=1" in env
    assert "agi_callerid: 0612345679" in env  # the last session the handler saw
    assert "agi_accountcode: " in env
    assert seen["replies"] == [
        b"200 result=1 (0612345679)\n",
        b"510 Invalid or unknown command\n",
        b"200 result=1\n",
        b"200 result=0\n",
        b"520-Invalid command syntax.  Proper usage follows:\nSets a variable to the current "
        b"channel.\n520 End of proper usage.\n",
    ]
    assert varsets(got)["AGISTATUS"] == "SUCCESS"
    joins = [m for m in fidelity.messages(b"".join(got)) if fidelity.kind(m) == "QueueCallerJoin"]
    assert len(joins) == 2 and sim.queue("line19").entries[0].prio == 5
    assert client.failures == 0


async def test_server_down_or_slow_falls_through_to_the_queue(agi_server) -> None:  # type: ignore[no-untyped-def]
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)  # never answers within the budget
        writer.close()

    slow_port = await agi_server(silent)
    for url in (f"agi://127.0.0.1:{slow_port}/qualify", "agi://127.0.0.1:1/qualify"):
        sim, client, got = simulator(url, budget=0.2)
        sim.new_call(CallSpec(number="0612345678", patience=60))
        await VirtualDriver(sim).run_for(1)
        assert varsets(got)["AGISTATUS"] == "FAILURE"
        assert len(sim.queue("line19").entries) == 1
        assert client.failures == 1


async def test_overflow_route_keeps_the_caller_out_of_the_queue(agi_server) -> None:  # type: ignore[no-untyped-def]
    async def route(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readline() != b"\n":
            pass
        writer.write(b"SET VARIABLE CALLCENTER_ROUTE overflow\n")
        await reader.readline()
        writer.close()

    port = await agi_server(route)
    sim, _client, got = simulator(f"agi://127.0.0.1:{port}/qualify")
    sim.new_call(CallSpec(number="0612345678", patience=60))
    await VirtualDriver(sim).run_for(1)
    values = varsets(got)
    assert values["CALLCENTER_ROUTE"] == "overflow"
    assert sim.queue("line19").entries == []
    assert sim.tally.overflow_events == 1
    assert len(sim.calls) == 1  # still on the line, in the announcement
