"""The one Asterisk-side FastAGI peer: res_agi's replies as a table, checked by pyst2's client.

pyst2 (``asterisk.agi.AGI``) is the AGI client most Python scripts use against a real Asterisk;
driving it over the peer checks that our replies are what such a client reads (values, the
multi-line 520 usage, 510) and that the peer takes its quoting (``SET VARIABLE "A" "1"``).
"""

from __future__ import annotations

import io
import signal
from collections.abc import Iterator

import pytest
from asterisk.agi import AGI, AGIInvalidCommand, AGIUsageError

from callcenter.sim.agi_peer import DEAD, Variables, answer, usage
from tests.agi.conftest import ENV1

OK0, OK1 = "200 result=0\n", "200 result=1\n"


@pytest.mark.parametrize(
    ("command", "before", "reply", "after"),
    [
        ("GET VARIABLE A", {"A": "x y"}, "200 result=1 (x y)\n", {"A": "x y"}),
        ("GET VARIABLE B", {}, OK0, {}),
        ("get variable A", {"A": "1"}, "200 result=1 (1)\n", {"A": "1"}),
        ("GET VARIABLE", {}, usage("GET VARIABLE"), {}),
        ("GET FULL VARIABLE ${A}-${B}", {"A": "1"}, "200 result=1 (1-)\n", {"A": "1"}),
        ("SET VARIABLE QUEUE_PRIO 10", {}, OK1, {"QUEUE_PRIO": "10"}),
        ('SET VARIABLE "N" "two words"', {}, OK1, {"N": "two words"}),
        ("SET VARIABLE N two words", {}, usage("SET VARIABLE"), {}),
        ("SET VARIABLE", {}, usage("SET VARIABLE"), {}),
        ('EXEC MSet "A=1,B=x y"', {}, OK0, {"A": "1", "B": "x y"}),
        ("EXEC Playback beep", {}, OK0, {}),
        ("VERBOSE hello 1", {}, OK1, {}),
        ("ANSWER", {}, OK0, {}),
        ("NOOP", {}, OK0, {}),
        ("CHANNEL STATUS", {}, "200 result=6\n", {}),
        ('STREAM FILE beep ""', {}, OK0, {}),
        ("FOOBAR", {}, "510 Invalid or unknown command\n", {}),
    ],
)
def test_replies_as_asterisk_20(
    command: str, before: dict[str, str], reply: str, after: dict[str, str]
) -> None:
    channel = Variables(dict(before))
    assert answer(command, channel, hung_up=False) == reply
    assert channel.values == after


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        # shared/asterisk/fastagi-env.txt, session 2, after the unsolicited HANGUP
        ("GET VARIABLE CALLERID(num)", "200 result=1 (0500000005)\n"),
        ('STREAM FILE beep ""', DEAD),
        ("SET VARIABLE A 1", OK1),
        ("ANSWER", DEAD),
        ("HANGUP", DEAD),
    ],
)
def test_a_dead_channel_refuses_what_res_agi_refuses(command: str, reply: str) -> None:
    assert answer(command, Variables({"CALLERID(num)": "0500000005"}), hung_up=True) == reply


def test_hangup_asked_by_the_script_hangs_the_channel_up() -> None:
    channel = Variables()
    assert answer("HANGUP", channel, hung_up=False) == OK1
    assert channel.hung_up_by_script


class Wire:
    """pyst2's stdin and stdout, with the peer at the other end: each command line written is
    answered at once, and the answer is what the next readline() gives."""

    def __init__(self, env: bytes, channel: Variables) -> None:
        self.channel = channel
        self.lines = env.decode().splitlines(keepends=True)
        self.commands: list[str] = []

    def write(self, text: str) -> None:
        for line in text.splitlines():
            self.commands.append(line)
            self.lines += answer(line, self.channel, hung_up=False).splitlines(keepends=True)

    def flush(self) -> None:
        return None

    def readline(self) -> str:
        return self.lines.pop(0) if self.lines else ""


@pytest.fixture
def pyst2() -> Iterator[tuple[AGI, Wire]]:
    wire = Wire(ENV1, Variables({"CALLERID(num)": "0612345678"}))
    previous = signal.getsignal(signal.SIGHUP)  # AGI() installs its own SIGHUP handler
    try:
        yield AGI(stdin=wire, stdout=wire, stderr=io.StringIO()), wire
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_pyst2_reads_the_environment_and_the_peer_takes_its_quoting(
    pyst2: tuple[AGI, Wire],
) -> None:
    agi, wire = pyst2
    assert agi.env["agi_network_script"] == "qualify?x=1"
    assert agi.get_variable("CALLERID(num)") == "0612345678"
    agi.set_variable("CALLCENTER_ROUTE", "overflow")
    assert wire.commands[-1] == 'SET VARIABLE "CALLCENTER_ROUTE" "overflow"'
    assert wire.channel.values["CALLCENTER_ROUTE"] == "overflow"
    assert agi.get_full_variable("${CALLCENTER_ROUTE}") == "overflow"
    agi.appexec("MSet", "A=1,B=2")
    assert (wire.channel.values["A"], wire.channel.values["B"]) == ("1", "2")
    assert agi.channel_status() == 6
    agi.hangup()
    assert wire.channel.hung_up_by_script


def test_pyst2_reads_our_520_usage_to_its_end_and_our_510(pyst2: tuple[AGI, Wire]) -> None:
    agi, wire = pyst2
    with pytest.raises(AGIUsageError) as usage_error:
        agi.execute("SET VARIABLE")
    assert "Sets a variable to the current channel." in str(usage_error.value)
    with pytest.raises(AGIInvalidCommand):
        agi.execute("FOOBAR")
    assert wire.lines == []  # every reply line consumed: the next command reads its own
    assert agi.get_variable("CALLERID(num)") == "0612345678"
