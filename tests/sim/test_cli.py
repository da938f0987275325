"""``callcenter simulate --record``: a realistic AMI stream to a file, for benchmarks."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from callcenter.cli import cli
from tests.sim import fidelity


def test_record_writes_a_parsable_stream_of_n_calls(tmp_path: Path) -> None:
    out = tmp_path / "stream.ami"
    result = CliRunner().invoke(
        cli, ["simulate", "line19-demo", "--record", str(out), "--calls", "40", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"Asterisk Call Manager/9.0.0\r\n")
    msgs = fidelity.messages(data)
    callers = {
        fidelity.get(m, "Linkedid")
        for m in msgs
        if fidelity.kind(m) == "Newchannel" and "@from-pstn" in fidelity.get(m, "Channel")
    }
    assert len(callers) == 40
    names = {fidelity.kind(m) for m in msgs}
    assert {"VarSet", "Newexten", "QueueCallerJoin", "AgentComplete", "Hangup"} <= names
    again = tmp_path / "again.ami"
    CliRunner().invoke(
        cli, ["simulate", "line19-demo", "--record", str(again), "--calls", "40", "--seed", "7"]
    )

    def strip(stream: list[fidelity.Message]) -> list[fidelity.Message]:
        # what depends on the wall clock at start: ids, stamps, whole-second differences
        clock = ("Timestamp", "Uniqueid", "Linkedid", "LastCall", "LoginTime", "LastPause")
        times = ("HoldTime", "TalkTime", "RingTime")
        return [[(k, v) for k, v in m if not k.endswith(clock) and k not in times] for m in stream]

    assert strip(fidelity.messages(again.read_bytes())) == strip(msgs)  # same seed, same calls


def test_unknown_scenario_is_a_clear_error() -> None:
    result = CliRunner().invoke(cli, ["simulate", "no-such-scenario", "--record", "x"])
    assert result.exit_code != 0
    assert "no scenario" in result.output


def test_an_unknown_manual_seat_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["simulate", "--manual-seat", "Seat 99", "--record", str(tmp_path / "x.ami")]
    )
    assert result.exit_code != 0
    assert "No such seat: Seat 99" in result.output
