"""Every shared transcript replayed through parser -> translate -> bridge -> lifecycle -> store:
the call records say what Asterisk itself reported, and each timeline is in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.ami.ingest import ingest_files
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import FIXTURES, make_room
from tests.ami.transcript import expected_calls

RECORDINGS = [
    ["single-answered"],
    ["abandoned"],
    ["seat-login-pause"],
    ["fastagi"],
    ["sipp-call"],
    ["login-bad-secret"],
    ["login-events-off"],
    ["ts-single-answered"],
    ["ts-blind-transfer"],
    ["ts-priority"],
    ["ts-agent-dump"],
    ["ts-reconnect", "ts-reconnect-2"],
]


async def _ingest(store: TimelineStore, paths: list[Path]) -> int:
    room = make_room(store)
    room.runner.start()
    await ingest_files(paths, room.bridge, room.runner)
    await room.runner.close()
    assert room.runner.stats.failed == 0
    assert room.processor.stats.anomalies == 0
    return room.processor.stats.steps_stored


@pytest.mark.parametrize("names", RECORDINGS, ids=lambda n: "+".join(n))
async def test_replay_matches_what_asterisk_reported(
    names: list[str], sqlite_store: TimelineStore
) -> None:
    paths = [FIXTURES / f"{name}.ami" for name in names]
    stored = await _ingest(sqlite_store, paths)

    expected = expected_calls(paths)
    for call_id, fields in expected.items():
        row = await sqlite_store.get_call(call_id)
        assert row is not None, call_id
        assert {k: row[k] for k in fields} == fields, call_id

    rows = [row async for row in sqlite_store.calls()]
    assert {r["id"] for r in rows} >= set(expected)
    for row in rows:
        steps = await sqlite_store.timeline(row["id"])
        assert [s["seq"] for s in steps] == list(range(1, len(steps) + 1))
        assert steps[0]["kind"] == "entered"
        pbx_times = [s["at"] for s in steps if s["clock"] == "pbx"]
        assert pbx_times == sorted(pbx_times), row["id"]
        if row["line_ended"]:
            assert "line_ended" in [s["kind"] for s in steps]
        if row["id"] in expected and "abandon_position" in expected[row["id"]]:
            assert row["state"] == "abandoned"
        elif row["id"] in expected and "seat" in expected[row["id"]]:
            assert row["answered_at"] is not None

    # Ingesting the same bytes again adds nothing (in another run, or twice in one run).
    if stored:
        assert await _ingest(sqlite_store, paths) == 0
        assert await _ingest(sqlite_store, paths + paths) == 0


async def test_timestamped_recording_uses_pbx_clock(sqlite_store: TimelineStore) -> None:
    await _ingest(sqlite_store, [FIXTURES / "ts-single-answered.ami"])
    steps = await sqlite_store.timeline("1795319647.0")
    assert [s["kind"] for s in steps] == [
        "entered",
        "queued",
        "offered",
        "left_queue",
        "answered",
        "conversation_ended",
        "line_ended",
    ]
    assert {s["clock"] for s in steps} == {"pbx"}
    assert all(s["pbx_at"] == s["at"] for s in steps)
    row = await sqlite_store.get_call("1795319647.0")
    assert row is not None
    assert (row["seat"], row["hold_seconds"], row["talk_seconds"]) == ("Seat 01", 1, 4)
    assert row["caller_raw"] == "0500000001"


async def test_untimestamped_recording_uses_arrival_clock(sqlite_store: TimelineStore) -> None:
    await _ingest(sqlite_store, [FIXTURES / "abandoned.ami"])
    steps = await sqlite_store.timeline("1795319001.4")
    assert [s["kind"] for s in steps] == [
        "entered",
        "queued",
        "abandoned",
        "left_queue",
        "line_ended",
        # the caller is to be called back (domain/callbacks.py): written with the task, after
        # the batch's own steps
        "callback_task",
    ]
    assert steps[5]["payload"]["reason"] == "abandoned"
    assert {s["clock"] for s in steps} == {"arrival"}
    assert all(s["pbx_at"] is None for s in steps)


async def test_recording_split_at_a_reconnect_shows_the_resync(
    sqlite_store: TimelineStore,
) -> None:
    names = ["ts-reconnect", "ts-reconnect-2"]
    await _ingest(sqlite_store, [FIXTURES / f"{n}.ami" for n in names])
    # C05 waited across the drop; it was never seen joining on the second connection.
    steps = await sqlite_store.timeline("1795319770.60")
    kinds = [s["kind"] for s in steps]
    assert kinds == [
        "entered",
        "queued",
        "resynced",
        "offered",
        "left_queue",
        "answered",
        "conversation_ended",
        "line_ended",
    ]
    resynced = steps[2]["payload"]
    assert resynced["pbx_state"] == "waiting"
    # C01 talked across the drop with Seat 02; the snapshot paired them by BridgeId.
    steps = await sqlite_store.timeline("1795319769.48")
    resynced = next(s for s in steps if s["kind"] == "resynced")["payload"]
    assert (resynced["pbx_state"], resynced["seat"]) == ("talking", "Seat 02")


@pytest.mark.parametrize("name", ["ts-single-answered", "single-answered"])
async def test_a_call_repeated_in_one_stream_gets_no_second_life(
    name: str, sqlite_store: TimelineStore, tmp_path: Path
) -> None:
    data = (FIXTURES / f"{name}.ami").read_bytes()
    banner, _, rest = data.partition(b"\r\n")
    twice = tmp_path / f"{name}-twice.ami"
    twice.write_bytes(banner + b"\r\n" + rest + rest)
    room = make_room(sqlite_store)
    room.runner.start()
    await ingest_files([twice], room.bridge, room.runner)
    await room.runner.close()
    (call_id,) = expected_calls([FIXTURES / f"{name}.ami"])
    kinds = [s["kind"] for s in await sqlite_store.timeline(call_id)]
    once = ["entered", "queued", "offered", "left_queue", "answered", "conversation_ended"]
    assert kinds[: len(once) + 1] == [*once, "line_ended"]
    after = kinds[len(once) + 1 :]
    if name.startswith("ts-"):
        # Asterisk's Timestamp makes the repeated frames the same events: recorded once.
        assert after == []
    else:
        # Without one they cannot be told from new events, but nothing needing the line is
        # accepted after it ended (anomalies keep what was refused; a late AgentComplete is
        # recorded as stale and changes nothing).
        assert set(after) <= {"anomaly", "stale_agent_complete"}, after
    row = await sqlite_store.get_call(call_id)
    assert row is not None and row["line_ended"] and row["state"] == "answered"
