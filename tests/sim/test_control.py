"""Control endpoints and the operator-panel hooks: a person answers and hangs up a seat."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from callcenter.sim.ami_server import AmiServer
from callcenter.sim.calls import CallSpec
from callcenter.sim.clock import VirtualDriver
from callcenter.sim.config import load_queues_conf
from callcenter.sim.control import create_control_app
from callcenter.sim.engine import SimError, Simulator
from callcenter.sim.options import SimOptions
from tests.sim import fidelity

ROOT = Path(__file__).resolve().parents[2]


def room(**options: object) -> Simulator:
    opts = SimOptions(seed=5, manual_seats=frozenset({"PJSIP/seat01"}))
    for key, value in options.items():
        setattr(opts, key, value)
    return Simulator(load_queues_conf(ROOT / "asterisk" / "queues.conf"), opts)


async def test_seat_played_by_a_person_over_http() -> None:
    sim = room()
    got: list[bytes] = []
    sim.stream.listeners.append(lambda _n, _p, data: got.append(data))
    # only seat01 (manual) takes calls
    for m in sim.queue("line19").members[1:]:
        m.paused = True
    app = create_control_app(sim)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        injected = (await http.post("/_inject", json={"number": "0522000000", "talk": 5})).json()
        await VirtualDriver(sim).run_for(10)  # rings; nobody simulated answers a manual seat
        state = (await http.get("/_state")).json()
        seat = state["queues"]["line19"]["members"][0]
        assert seat["ringing"] == injected["linkedid"] and seat["manual"]
        assert state["answered"] == 0

        answered = await http.post("/_seats/Seat 01/answer")
        assert answered.status_code == 200
        assert answered.json()["channel"].startswith("PJSIP/seat01-")
        again = await http.post("/_seats/seat01/answer")
        assert again.status_code == 409 and "not ringing" in again.json()["detail"]
        await VirtualDriver(sim).run_for(60)  # a manual seat talks until the person hangs up
        assert (await http.get("/_state")).json()["talking"] == 1

        assert (await http.post("/_seats/PJSIP%2Fseat01/hangup")).status_code == 200
        final = (await http.get("/_state")).json()
        assert (final["answered"], final["talking"], final["active"]) == (1, 0, 0)
        assert (await http.post("/_seats/nobody/answer")).status_code == 404

        assert (await http.post("/_seats/seat01/mode", json={"manual": False})).status_code == 200
        assert "PJSIP/seat01" not in sim.manual
        reset = (await http.post("/_reset")).json()
        assert reset["offered"] == 0 and reset["queues"]["line19"]["members"][1]["paused"] is False

    msgs = fidelity.messages(b"".join(got))
    complete = next(m for m in msgs if fidelity.kind(m) == "AgentComplete")
    assert fidelity.get(complete, "Reason") == "agent"
    assert fidelity.get(complete, "TalkTime") == "60"
    statuses = [fidelity.get(m, "Status") for m in msgs if fidelity.kind(m) == "QueueMemberStatus"]
    assert statuses == ["6", "2", "1"]  # a PJSIP phone: ringing, in use, not in use


async def test_the_same_hooks_over_ami() -> None:
    """SimAnswer (the simulator's own action) picks up; the standard Hangup puts down."""
    sim = room()
    for m in sim.queue("line19").members[1:]:
        m.paused = True
    server = AmiServer(sim, {"callcenter": "pw"}, port=0)
    await server.start()
    try:
        reader, writer = await asyncio.open_connection(*server.address)

        async def send(text: str) -> list[fidelity.Message]:
            writer.write(text.replace("\n", "\r\n").encode() + b"\r\n")
            await writer.drain()
            await asyncio.sleep(0.05)
            data = await asyncio.wait_for(reader.read(1 << 20), 2)
            return fidelity.messages(data)

        await send("Action: Login\nUsername: callcenter\nSecret: pw\nEvents: off\n")
        early = await send("Action: SimAnswer\nActionID: a1\nSeat: Seat 01\n")
        assert fidelity.get(early[0], "Response") == "Error"
        assert fidelity.get(early[0], "ActionID") == "a1"
        sim.new_call(CallSpec(number="0600"))
        await VirtualDriver(sim).run_for(2)
        reply = await send("Action: SimAnswer\nActionID: a2\nSeat: Seat 01\n")
        assert fidelity.get(reply[0], "Message") == "Seat answered"
        channel = fidelity.get(reply[0], "Channel")
        assert sim.calls and next(iter(sim.calls.values())).state == "talking"
        bye = await send(f"Action: Hangup\nActionID: a3\nChannel: {channel}\n")
        assert fidelity.get(bye[0], "Message") == "Channel Hungup"
        assert not sim.calls and sim.tally.answered == 1
        missing = await send("Action: Hangup\nActionID: a4\nChannel: PJSIP/nope-1\n")
        assert fidelity.get(missing[0], "Message") == "No such channel"
        writer.close()
    finally:
        await server.stop()


def test_bad_scenarios_and_queues_conf_get_clear_errors(tmp_path: Path) -> None:
    from callcenter.sim.config import QueuesConfError, parse_queues_conf
    from callcenter.sim.traffic import ScenarioError, load_scenario, parse_scenario

    with pytest.raises(ScenarioError, match="patience"):
        parse_scenario('[patience]\ndistribution = "weird"\n')
    with pytest.raises(ScenarioError, match="shares"):
        parse_scenario("[callers]\nsilent = 2.0\n")
    with pytest.raises(ScenarioError, match="no scenario"):
        load_scenario(str(tmp_path / "missing"))
    with pytest.raises(QueuesConfError, match="line 2"):
        parse_queues_conf("[q]\nmember => PJSIP/a,x\n")
    with pytest.raises(QueuesConfError, match="strategy"):
        parse_queues_conf("[q]\nstrategy = sideways\n")
    conf = parse_queues_conf((ROOT / "asterisk" / "queues.conf").read_text())["line19"]
    assert (conf.strategy, conf.maxlen, conf.timeout, conf.retry) == ("rrmemory", 60, 15, 1)
    assert conf.members[2].name == "Seat 03" and conf.members[2].interface == "PJSIP/seat03"


async def test_a_client_that_does_not_read_is_disconnected() -> None:
    sim = room(manual_seats=frozenset())
    server = AmiServer(sim, {"callcenter": "pw"}, port=0, max_buffer=64 * 1024)
    await server.start()
    try:
        _reader, writer = await asyncio.open_connection(*server.address)
        writer.write(b"Action: Login\r\nUsername: callcenter\r\nSecret: pw\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(0.05)
        for i in range(3000):  # megabytes of events, never read by this client
            sim.new_call(CallSpec(number=f"06{i:08d}", patience=1))
            if server.slow_drops:
                break
            if i % 50 == 0:
                await asyncio.sleep(0)
        assert server.slow_drops == 1
        await asyncio.sleep(0.05)
        assert not server.sessions
        writer.close()
    finally:
        await server.stop()


async def test_a_failing_action_answers_error_and_keeps_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from callcenter.sim import ami_actions

    def broken(_sim: Simulator, _action: object) -> bytes:
        raise RuntimeError("bug")

    monkeypatch.setattr(ami_actions, "handle", broken)
    sim = room()
    server = AmiServer(sim, {"callcenter": "pw"}, port=0)
    await server.start()
    try:
        reader, writer = await asyncio.open_connection(*server.address)
        writer.write(
            b"Action: Login\r\nUsername: callcenter\r\nSecret: pw\r\nEvents: off\r\n\r\n"
            b"Action: QueueStatus\r\nActionID: x1\r\n\r\n"
            b"Action: Ping\r\nActionID: x2\r\n\r\n"
        )
        await writer.drain()
        async with asyncio.timeout(2):
            data = await reader.readuntil(b"Ping: Pong\r\n")
        msgs = fidelity.messages(data + b"\r\n")
        failed = next(m for m in msgs if fidelity.get(m, "ActionID") == "x1")
        assert fidelity.get(failed, "Message") == "Internal error"
        assert server.rejected == 1
        writer.close()
    finally:
        await server.stop()


async def test_callback_from_a_seat_keeps_it_out_of_the_queue() -> None:
    """AMI Originate from a seat's interface: the seat rings, picks up, the number answers;
    meanwhile the queue does not offer that seat a caller."""
    from callcenter.sim import ami_actions
    from callcenter.sim.frames import Action
    from callcenter.sim.members import answer_seat, hangup_seat, pause

    sim = room(manual_seats=frozenset({"PJSIP/seat03"}))
    for m in sim.queue("line19").members:
        if m.name != "Seat 03":
            pause(sim, "line19", m.interface, True, "test")
    got: list[bytes] = []
    sim.stream.listeners.append(lambda _n, _p, data: got.append(data))

    def originate(aid: str) -> list[fidelity.Message]:
        action = Action(
            [
                ("Action", "Originate"),
                ("ActionID", aid),
                ("Channel", "PJSIP/seat03"),
                ("Context", "callbacks"),
                ("Exten", "0612345678"),
                ("Async", "true"),
            ]
        )
        return fidelity.messages(ami_actions.handle(sim, action))

    assert fidelity.get(originate("cb1")[0], "Response") == "Success"
    driver = VirtualDriver(sim)
    await driver.run_for(1)
    sim.new_call(CallSpec(number="0522000000", patience=300, talk=5))
    await driver.run_for(5)
    assert answer_seat(sim, "Seat 03").startswith("PJSIP/seat03-")
    await driver.run_for(10)
    msgs = fidelity.messages(b"".join(got))
    result = next(m for m in msgs if fidelity.kind(m) == "OriginateResponse")
    assert (fidelity.get(result, "ActionID"), fidelity.get(result, "Reason")) == ("cb1", "4")
    assert fidelity.get(originate("cb2")[0], "Response") == "Success"  # queued, then refused
    await driver.run_for(1)
    busy = [m for m in fidelity.messages(b"".join(got)) if fidelity.kind(m) == "OriginateResponse"]
    assert (
        fidelity.get(busy[-1], "Response") == "Failure" and fidelity.get(busy[-1], "Reason") == "5"
    )
    assert not any(fidelity.kind(m) == "AgentCalled" for m in msgs)  # the caller waits
    hangup_seat(sim, "seat03")
    await driver.run_for(1)
    msgs = fidelity.messages(b"".join(got))
    assert any(fidelity.kind(m) == "AgentCalled" for m in msgs)  # now the seat is offered
    statuses = [fidelity.get(m, "Status") for m in msgs if fidelity.kind(m) == "QueueMemberStatus"]
    assert statuses[:4] == ["6", "2", "1", "6"]
    assert sim.tally.offered == 1 and sim.scheduler.errors == 0


@pytest.mark.parametrize("form", ["Seat 03", "seat03", "PJSIP/seat03"])
async def test_a_manual_seat_may_be_named_as_the_readme_names_it(form: str) -> None:
    """``callcenter simulate --manual-seat "Seat 03"`` (the member name) is the same seat as
    ``seat03`` and ``PJSIP/seat03``: its calls ring until a person answers."""
    sim = room(manual_seats=frozenset({form}))
    for m in sim.queue("line19").members:
        m.paused = m.name != "Seat 03"  # only Seat 03 takes calls
    app = create_control_app(sim)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        injected = (await http.post("/_inject", json={"number": "0522000000", "talk": 5})).json()
        await VirtualDriver(sim).run_for(10)
        members = (await http.get("/_state")).json()["queues"]["line19"]["members"]
    manual = {m["name"] for m in members if m["manual"]}
    assert manual == {"Seat 03"}
    seat = next(m for m in members if m["name"] == "Seat 03")
    assert seat["ringing"] == injected["linkedid"] and seat["in_call"] is None


def test_an_unknown_manual_seat_is_refused() -> None:
    with pytest.raises(SimError, match="No such seat: Seat 99"):
        room(manual_seats=frozenset({"Seat 99"}))
