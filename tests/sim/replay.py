"""Drive the simulator with a transcript's own client bytes, at the transcript's times."""

from __future__ import annotations

import asyncio
from pathlib import Path

from callcenter.sim.ami_server import AmiServer
from callcenter.sim.clock import VirtualDriver
from callcenter.sim.config import load_queues_conf
from callcenter.sim.engine import Simulator
from callcenter.sim.options import SimOptions
from tests.sim import fidelity

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RECORDED_QUEUES = FIXTURES / "sim-recorded-queues.conf"
CREDENTIALS = {"bridge": "bridge-secret"}


def recorded_simulator(name: str, **options: object) -> Simulator:
    """A simulator set up like the recording rig (ring 1 s, talk 3 s, same queues.conf)."""
    real = fidelity.messages((FIXTURES / f"{name}.ami").read_bytes())
    epoch = fidelity.first_timestamp(real) or 1795319001.387
    opts = SimOptions(
        timestamps=name.startswith("ts-"),
        ring_min=1,
        ring_max=1,
        talk_min=3,
        talk_max=3,
        epoch=epoch - 0.01,
    )
    for key, value in options.items():
        setattr(opts, key, value)
    return Simulator(load_queues_conf(RECORDED_QUEUES), opts)


def _roles(msgs: list[fidelity.Message]) -> dict[str, str]:
    """Every Local channel name seen -> its role (``C2;2``, ``seat06;1``)."""
    roles = fidelity.Roles()
    names: dict[str, str] = {}
    for msg in msgs:
        for key in ("Channel", "DestChannel"):
            channel = fidelity.get(msg, key)
            if channel.startswith("Local/"):
                names.setdefault(channel, roles.name(channel))
    return names


async def replay(name: str, sim: Simulator | None = None) -> bytes:
    """Everything the simulator sent on one AMI connection while replaying NAME.sent."""
    sim = sim or recorded_simulator(name)
    server = AmiServer(sim, CREDENTIALS, port=0)
    await server.start()
    received = bytearray()
    try:
        reader, writer = await asyncio.open_connection(*server.address)
        driver = VirtualDriver(sim)

        async def pump() -> None:
            while data := await reader.read(65536):
                received.extend(data)

        task = asyncio.create_task(pump())
        real_roles = _roles(fidelity.messages((FIXTURES / f"{name}.ami").read_bytes()))
        for at, data in fidelity.tx_schedule(FIXTURES, name):
            await driver.run_until(at)
            await asyncio.sleep(0.01)
            # the client names channels it saw: use the simulator's names for the same roles
            # (the latest channel of a role: a seat has a new channel for each call)
            mine = {role: chan for chan, role in _roles(fidelity.messages(bytes(received))).items()}
            for real, role in real_roles.items():
                if real.encode() in data and role in mine:
                    data = data.replace(real.encode(), mine[role].encode())
            writer.write(data)
            await writer.drain()
            await asyncio.sleep(0.01)  # let the server read and answer before time moves on
        async with asyncio.timeout(5):
            await task  # the last action is a Logoff (or a failed Login): the server closes
        writer.close()
    finally:
        await server.stop()
    assert sim.scheduler.errors == 0
    return bytes(received)
