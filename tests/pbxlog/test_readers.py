"""The readers of Asterisk's records: the queue_log file (single-host installs on SQLite) and
the queue_log/cel tables (on both backends: migration 0008 creates them everywhere), and how a
queue_log callid is mapped to the call's Linkedid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.domain.pbx_log import CallerLeg, CelRow, resolve_call_ids
from callcenter.pbxlog.database import DatabaseReader
from callcenter.pbxlog.queue_log_file import QueueLogFileReader, parse_line
from callcenter.pbxlog.tables import CEL, QUEUE_LOG
from tests.pbxlog import bridge_down as rec

T0 = datetime(2026, 12, 1, 20, 1, tzinfo=UTC)


def test_a_queue_log_file_line_as_asterisk_writes_it() -> None:
    row = parse_line("1796155264|1796155260.15|line19|Seat 06|CONNECT|3|1796155261.28|3\n")
    assert row is not None
    assert row.time == datetime.fromtimestamp(1796155264, UTC)
    assert (row.callid, row.queuename, row.agent, row.event) == (
        "1796155260.15",
        "line19",
        "Seat 06",
        "CONNECT",
    )
    assert (row.data1, row.data2, row.data3, row.data4, row.data5) == (
        "3",
        "1796155261.28",
        "3",
        "",
        "",
    )
    for bad in ("", "garbage", "x|1|line19|NONE|ENTERQUEUE", "17961|only|three"):
        assert parse_line(bad) is None


async def test_the_file_gives_every_row_of_each_call_seen_in_the_window(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_text(
        "1000|1.1|line19|NONE|ENTERQUEUE||0500|1\n"
        "not a queue_log line\n"
        "1005|2.1|line19|NONE|ENTERQUEUE||0600|2\n"
        "1010|1.1|line19|Seat 01|CONNECT|10|9.9|1\n"
        "1500|3.1|line19|NONE|ENTERQUEUE||0700|1\n"
    )
    reader = QueueLogFileReader(path)
    since, until = datetime.fromtimestamp(1008, UTC), datetime.fromtimestamp(1100, UTC)
    found = await reader.read(since, until)
    assert [(r.callid, r.event) for r in found.queue_log] == [
        ("1.1", "ENTERQUEUE"),  # before the window, but its call has a row in it
        ("1.1", "CONNECT"),
    ]
    assert reader.bad_lines == 1 and found.source == "queue_log file"
    with pytest.raises(FileNotFoundError):
        await QueueLogFileReader(tmp_path / "missing").read(since, until)


async def test_the_tables_give_every_row_of_each_call_seen_in_the_window(
    engine: AsyncEngine,
) -> None:
    naive = T0.replace(tzinfo=None)

    def row(seconds: float, callid: str, agent: str, event: str, *data: str) -> dict[str, object]:
        fields = {f"data{n}": None for n in range(1, 6)}
        fields |= {f"data{n}": d for n, d in enumerate(data, start=1)}
        at = naive + timedelta(seconds=seconds)
        return {
            "time": at,
            "callid": callid,
            "queuename": "line19",
            "agent": agent,
            "event": event,
            **fields,
        }

    queue_log = [
        row(0, "1.2", "NONE", "ENTERQUEUE"),
        row(30, "1.2", "Seat 01", "CONNECT", "30", "9.9", "1"),
        row(3600, "5.2", "NONE", "ENTERQUEUE"),
    ]  # fmt: skip
    cel = [
        {"eventtype": "CHAN_START", "eventtime": naive, "uniqueid": "1.1", "linkedid": "1.1"},
        {"eventtype": "CHAN_START", "eventtime": naive, "uniqueid": "1.2", "linkedid": "1.1"},
        {"eventtype": "LINKEDID_END", "eventtime": naive + timedelta(seconds=40),
         "uniqueid": "1.2", "linkedid": "1.1"},
    ]  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(insert(QUEUE_LOG), queue_log)
        await conn.execute(insert(CEL), cel)
    found = await DatabaseReader(engine).read(T0 + timedelta(seconds=20), T0 + timedelta(minutes=1))
    assert [(r.callid, r.event, r.agent) for r in found.queue_log] == [
        ("1.2", "ENTERQUEUE", "NONE"),
        ("1.2", "CONNECT", "Seat 01"),
    ]
    assert found.queue_log[0].time == T0 and found.queue_log[1].data1 == "30"
    assert found.queue_log[0].data1 == ""  # NULL as Asterisk leaves it
    assert [c.eventtype for c in found.cel] == ["CHAN_START", "CHAN_START", "LINKEDID_END"]
    assert found.cel[0].eventtime == T0


def cel_leg(uniqueid: str, linkedid: str) -> CelRow:
    return CelRow(eventtype="CHAN_START", eventtime=T0, uniqueid=uniqueid, linkedid=linkedid)


@pytest.mark.parametrize(
    ("callids", "cel", "known", "leg", "expected"),
    [
        pytest.param(["9.5"], [cel_leg("9.5", "9.4")], set(), CallerLeg.CHANNEL, {"9.5": "9.4"},
                     id="cel-says"),
        pytest.param(["9.5"], [], {"9.5"}, CallerLeg.LOCAL, {"9.5": "9.5"},
                     id="a-known-call-itself"),
        pytest.param(["9.5", "12.8"], [], {"9.4"}, CallerLeg.AUTO, {"9.5": "9.4", "12.8": "12.7"},
                     id="known-local-legs-teach-the-rule"),
        pytest.param(["9.5"], [], set(), CallerLeg.AUTO, {"9.5": "9.5"},
                     id="nothing-known-a-trunk-channel"),
        pytest.param(["10.5"], [], {"9.4"}, CallerLeg.CHANNEL, {"10.5": "9.4"},
                     id="the-legs-across-a-second-boundary"),
        pytest.param(["NONE", ""], [], set(), CallerLeg.AUTO, {}, id="not-a-call"),
    ],
)  # fmt: skip
def test_resolve_call_ids(
    callids: list[str],
    cel: list[CelRow],
    known: set[str],
    leg: CallerLeg,
    expected: dict[str, str],
) -> None:
    assert resolve_call_ids(callids, cel, known, leg) == expected


def test_the_recording_queue_log_file_resolves_like_cel() -> None:
    """bridge-down-A: from the 30 calls serve #1 knew, the file's ids map as CEL maps them."""
    reader_rows = [
        r
        for line in (rec.HERE / "queue_log.file").read_text().splitlines()
        if (r := parse_line(line))
    ]
    by_cel = {r["uniqueid"]: r["linkedid"] for r in rec.csv_rows("cel.csv")}
    known = {by_cel[r.callid] for r in reader_rows[:60] if r.callid in by_cel}
    ids = resolve_call_ids([r.callid for r in reader_rows], [], known, CallerLeg.AUTO)
    assert ids == {callid: by_cel[callid] for callid in ids}
    assert len(ids) == 40
