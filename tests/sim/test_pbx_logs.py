"""The simulator writes the queue_log and CEL rows Asterisk 20 writes for the same calls.

Two checks: the rows agree with the simulator's own AMI stream (same calls, same ids, same
numbers: a reconciliation that reads them must find what the bridge would have seen), and
they have the shape of the rows a real Asterisk wrote in ``bridge-down-A`` (same events, same
columns, same fields in the same places).
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from callcenter.demo import simulator_config
from callcenter.settings import Settings
from callcenter.sim.calls import CallSpec
from callcenter.sim.config import parse_queues_conf
from callcenter.sim.options import SimOptions
from callcenter.sim.pbx_logs import QueueLogRow
from callcenter.sim.runner import SimulatorConfig, SimulatorService
from tests.sim import fidelity
from tests.sim.pbx_log_room import RECORDING, ROOT, Burst, play_burst

UNIQUEID = re.compile(r"^\d{10}\.\d+$")


def ami(burst: Burst, kind: str) -> list[fidelity.Message]:
    return [m for m in burst.ami if fidelity.kind(m) == kind]


def rows(burst: Burst, *events: str) -> list[QueueLogRow]:
    return [r for r in burst.rows.queue_log_rows if r.event in events]


async def test_queue_log_rows_agree_with_the_ami_stream() -> None:
    burst = await play_burst()
    g = fidelity.get
    joins = ami(burst, "QueueCallerJoin")
    assert len(joins) == burst.sim.tally.offered == 60
    assert [(r.callid, r.queuename, r.agent, r.data) for r in rows(burst, "ENTERQUEUE")] == [
        (g(m, "Uniqueid"), g(m, "Queue"), "NONE", ("", g(m, "CallerIDNum"), g(m, "Position")))
        for m in joins
    ]
    # callid is the queue caller's (;2) Uniqueid, never the Linkedid
    assert all(g(m, "Uniqueid") != g(m, "Linkedid") for m in joins)
    assert all(g(m, "Channel").endswith(";2") for m in joins)
    original = {g(m, "Uniqueid"): g(m, "Position") for m in joins}

    connects = ami(burst, "AgentConnect")
    assert [(r.callid, r.agent, r.data) for r in rows(burst, "CONNECT")] == [
        (
            g(m, "Uniqueid"),
            g(m, "MemberName"),
            (g(m, "HoldTime"), g(m, "DestUniqueid"), g(m, "RingTime")),
        )
        for m in connects
    ]
    completes = ami(burst, "AgentComplete")
    expected = [
        (
            g(m, "Uniqueid"),
            g(m, "MemberName"),
            "COMPLETECALLER" if g(m, "Reason") == "caller" else "COMPLETEAGENT",
            (g(m, "HoldTime"), g(m, "TalkTime"), original[g(m, "Uniqueid")]),
        )
        for m in completes
    ]
    got = [
        (r.callid, r.agent, r.event, r.data) for r in rows(burst, "COMPLETECALLER", "COMPLETEAGENT")
    ]
    assert got == expected
    abandons = ami(burst, "QueueCallerAbandon")
    assert [(r.callid, r.data) for r in rows(burst, "ABANDON")] == [
        (g(m, "Uniqueid"), (g(m, "Position"), g(m, "OriginalPosition"), g(m, "HoldTime")))
        for m in abandons
    ]
    no_answer = ami(burst, "AgentRingNoAnswer")
    assert [(r.callid, r.agent, r.data) for r in rows(burst, "RINGNOANSWER")] == [
        (g(m, "Uniqueid"), g(m, "MemberName"), (g(m, "RingTime"),)) for m in no_answer
    ]
    # a caller who hangs up while a seat rings: RINGCANCELED (ms rung) just before ABANDON
    canceled = rows(burst, "RINGCANCELED")
    cancel_dials = [m for m in ami(burst, "DialEnd") if g(m, "DialStatus") == "CANCEL"]
    assert [r.callid for r in canceled] == [g(m, "Uniqueid") for m in cancel_dials]
    for row in canceled:
        after = burst.rows.queue_log_rows.index(row) + 1
        assert burst.rows.queue_log_rows[after].event == "ABANDON"
        assert burst.rows.queue_log_rows[after].callid == row.callid
        assert int(row.data[0]) >= 0

    # every call ends once: answered calls CONNECT and COMPLETE*, the others ABANDON
    tally = burst.sim.tally
    assert len({r.callid for r in rows(burst, "CONNECT")}) == tally.answered
    assert len(abandons) == tally.abandoned
    assert len(completes) == len(connects) == tally.answered
    assert tally.answered + tally.abandoned == tally.offered
    # what the burst is for: every kind of row happened
    kinds = Counter(r.event for r in burst.rows.queue_log_rows)
    assert set(kinds) == {
        "ENTERQUEUE", "CONNECT", "COMPLETEAGENT", "COMPLETECALLER", "ABANDON",
        "RINGCANCELED", "RINGNOANSWER",
    }  # fmt: skip


async def test_cel_rows_agree_with_the_ami_stream() -> None:
    burst = await play_burst()
    g = fidelity.get
    cel = burst.rows.cel_rows
    news = ami(burst, "Newchannel")
    hangups = ami(burst, "Hangup")
    starts = [r for r in cel if r.eventtype == "CHAN_START"]
    assert [(r.channame, r.uniqueid, r.linkedid) for r in starts] == [
        (g(m, "Channel"), g(m, "Uniqueid"), g(m, "Linkedid")) for m in news
    ]
    for kind in ("HANGUP", "CHAN_END"):
        ended = [(r.uniqueid, r.linkedid) for r in cel if r.eventtype == kind]
        assert ended == [(g(m, "Uniqueid"), g(m, "Linkedid")) for m in hangups]
    causes = [json.loads(r.extra)["hangupcause"] for r in cel if r.eventtype == "HANGUP"]
    assert causes == [int(g(m, "Cause")) for m in hangups]
    answers = [m for m in ami(burst, "Newstate") if g(m, "ChannelState") == "6"]
    assert [r.uniqueid for r in cel if r.eventtype == "ANSWER"] == [
        g(m, "Uniqueid") for m in answers
    ]
    enters = ami(burst, "BridgeEnter")
    assert [r.uniqueid for r in cel if r.eventtype == "BRIDGE_ENTER"] == [
        g(m, "Uniqueid") for m in enters
    ]
    assert [json.loads(r.extra)["bridge_id"] for r in cel if r.eventtype == "BRIDGE_ENTER"] == [
        g(m, "BridgeUniqueid") for m in enters
    ]
    assert len([r for r in cel if r.eventtype == "BRIDGE_EXIT"]) == len(ami(burst, "BridgeLeave"))

    # LINKEDID_END: once per call, after the last of its channels ended
    linkedids = [g(m, "Linkedid") for m in news]
    ends = [r for r in cel if r.eventtype == "LINKEDID_END"]
    assert sorted(r.linkedid for r in ends) == sorted(set(linkedids))
    assert len(ends) == burst.sim.tally.offered
    for end in ends:
        index = cel.index(end)
        later = [r for r in cel[index + 1 :] if r.linkedid == end.linkedid]
        assert later == []
        assert cel[index - 1].eventtype == "CHAN_END"
    # every leg of a call carries the call's Linkedid (the caller ;1 leg's Uniqueid)
    calls = {c.id for c in burst.sim.finished}
    assert {r.linkedid for r in cel} == calls


def recording_queue_log() -> list[list[str]]:
    return [line.split("|") for line in (RECORDING / "queue_log.file").read_text().splitlines()]


def shape(value: str) -> str:
    if value == "":
        return "empty"
    if UNIQUEID.match(value):
        return "uniqueid"
    if value.isdigit():
        return "int"
    return "text"


def shapes(lines: list[list[str]]) -> dict[str, set[tuple[str, ...]]]:
    out: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for fields in lines:
        agent = "NONE" if fields[3] == "NONE" else "member"
        out[fields[4]].add((shape(fields[1]), agent, *(shape(v) for v in fields[5:])))
    return dict(out)


async def test_queue_log_has_the_recorded_shape() -> None:
    burst = await play_burst()
    ours = shapes([r.file_line().split("|") for r in burst.rows.queue_log_rows])
    recorded = shapes(recording_queue_log())
    # the recording's events, field for field (RINGNOANSWER did not happen in it)
    for event, kinds in recorded.items():
        assert ours.get(event) == kinds, event
    assert ours["RINGNOANSWER"] == {("uniqueid", "member", "int")}
    # the file's fields and the table's columns say the same
    with (RECORDING / "queue_log.csv").open() as f:
        table = list(csv.DictReader(f))
    columns = set(table[0]) - {"id"}
    for row in burst.rows.queue_log_rows:
        assert set(row.columns()) == columns
        line = row.file_line().split("|")
        data = [row.columns()[f"data{i}"] for i in range(1, 6)]
        assert line[5:] == data[: len(line) - 5]
        assert all(v == "" for v in data[len(line) - 5 :])
    for rec in table:  # the recording's own rows obey the same rule
        assert rec["data4"] == rec["data5"] == ""


def cel_shape(row: dict[str, str]) -> tuple[object, ...]:
    extra = tuple(sorted(json.loads(row["extra"]))) if row["extra"] else ()
    filled = tuple(
        k for k in ("userdeftype", "cid_num", "cid_ani", "appname", "peer") if row[k] != ""
    )
    return (row["userdeftype"], extra, filled, str(row["amaflags"]))


async def test_cel_has_the_recorded_shape() -> None:
    burst = await play_burst()
    with (RECORDING / "cel.csv").open() as f:
        recorded = list(csv.DictReader(f))
    assert {r.eventtype for r in burst.rows.cel_rows} == {r["eventtype"] for r in recorded}
    columns = set(recorded[0]) - {"id"}
    ours: dict[str, set[tuple[object, ...]]] = defaultdict(set)
    for row in burst.rows.cel_rows:
        values = row.columns()
        assert set(values) == columns
        ours[row.eventtype].add(cel_shape({k: str(v) for k, v in values.items()}))
    theirs: dict[str, set[tuple[object, ...]]] = defaultdict(set)
    for rec in recorded:
        theirs[rec["eventtype"]].add(cel_shape(rec))
    for event in theirs:
        # each of our combinations (userdeftype, the extra's keys, which caller-id / app / peer
        # fields are filled, amaflags) is one the recording has; it has a few more (its seats
        # are Local channel pairs, ours PJSIP channels; a BRIDGE_EXIT's peer is racy)
        assert ours[event] <= theirs[event], event


async def test_the_simulator_service_and_the_demo_write_the_queue_log_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "queue_log"
    conf = parse_queues_conf((ROOT / "asterisk" / "queues.conf").read_text())
    service = SimulatorService(
        SimulatorConfig(
            queues=conf,
            ami_port=0,
            control_port=None,
            time_factor=20,
            options=SimOptions(queue_log_file=path),
        )
    )
    stop = asyncio.Event()
    async with service:
        service.sim.new_call(CallSpec(number="0612345678", patience=60, talk=2))
        service.sim.new_call(CallSpec(number="0698765432", patience=60, talk=3, caller_ends=True))
        running = asyncio.create_task(service.run(stop))
        async with asyncio.timeout(20):
            while len(service.sim.finished) < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        stop.set()
        await running
    lines = [line.split("|") for line in path.read_text().splitlines()]
    assert [fields[4] for fields in lines if fields[4] != "CONNECT"] == [
        "ENTERQUEUE", "ENTERQUEUE", "COMPLETEAGENT", "COMPLETECALLER",
    ]  # fmt: skip
    assert {fields[1] for fields in lines} == {c.leg2.uniqueid for c in service.sim.finished}

    settings = Settings(data_dir=tmp_path / "data", database={"url": None})
    demo = simulator_config(settings, "line19-demo")
    assert demo.options.queue_log_file == tmp_path / "data" / "queue_log"
    assert demo.options.pbx_log_url is None  # SQLite: the file only
