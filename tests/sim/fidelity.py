"""Compare an AMI byte stream from the simulator with a real Asterisk transcript.

``messages(data)`` splits a stream (banner skipped) into header lists. ``queue_sequence``
keeps the queue-relevant messages by the rules of the shared SEQUENCES.txt (ts-* rules: noise
and channel plumbing dropped) and names channels by role (``C1;2`` = first caller's ;2 leg,
``seat01;1``), so two streams of the same scenario can be compared line by line. The lead can
add the translate-based replay on top: feed ``messages(...)`` of both to the bridge's translator.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

Message = list[tuple[str, str]]

DROPPED = {
    "Newchannel",
    "NewCallerid",
    "NewConnectedLine",
    "LocalBridge",
    "Newstate",
    "DialBegin",
    "DialState",
    "SoftHangupRequest",
    "HangupRequest",
    "MusicOnHoldStart",
    "MusicOnHoldStop",
    "BridgeCreate",
    "BridgeDestroy",
    "OriginateResponse",
    "DeviceStateChange",
    "FullyBooted",
    "SuccessfulAuth",
    "VarSet",
    "Newexten",
    "UserEvent",
}
KEYS = (
    "Queue",
    "Position",
    "OriginalPosition",
    "Count",
    "MemberName",
    "Status",
    "Paused",
    "InCall",
    "DialStatus",
    "Reason",
    "Cause",
    "Message",
    "EventList",
    "ListItems",
    "BridgeNumChannels",
)
TIMES = ("HoldTime", "TalkTime", "RingTime")


def messages(data: bytes) -> list[Message]:
    text = data.decode("utf-8", errors="replace")
    if text.startswith("Asterisk Call Manager"):
        text = text.split("\r\n", 1)[1]
    out: list[Message] = []
    for block in text.split("\r\n\r\n"):
        lines = [line for line in block.split("\r\n") if line]
        if lines:
            out.append([(k, v) for k, _, v in (line.partition(": ") for line in lines)])
    return out


def get(msg: Message, key: str, default: str = "") -> str:
    for k, v in msg:
        if k == key:
            return v
    return default


def kind(msg: Message) -> str:
    k, v = msg[0]
    return v if k == "Event" else f"Response:{v}"


class Roles:
    """Names channels by role, in order of first appearance."""

    def __init__(self) -> None:
        self.callers: dict[str, int] = {}

    def name(self, channel: str) -> str:
        if not channel:
            return ""
        m = re.match(r"Local/(seat\d+)@seats-[0-9a-f]+(;\d)", channel)
        if m:
            return m.group(1) + m.group(2)
        m = re.match(r"Local/19\w*@from-pstn-([0-9a-f]+)(;\d)", channel)
        if m:
            n = self.callers.setdefault(m.group(1), len(self.callers) + 1)
            return f"C{n}{m.group(2)}"
        return channel


def queue_sequence(msgs: list[Message]) -> list[dict[str, str]]:
    roles = Roles()
    out = []
    for msg in msgs:
        name = kind(msg)
        if name in DROPPED:
            continue
        row = {"kind": name}
        for key in ("Channel", "DestChannel"):
            if get(msg, key):
                row[key] = roles.name(get(msg, key))
        for key in (*KEYS, *TIMES):
            value = get(msg, key, None)  # type: ignore[arg-type]
            if value is not None:
                row[key] = value
        out.append(row)
    return out


def header_names(msgs: list[Message]) -> dict[str, list[str]]:
    """Event name -> its header names in order (first occurrence)."""
    names: dict[str, list[str]] = {}
    for msg in msgs:
        if msg[0][0] == "Event":
            names.setdefault(msg[0][1], [k for k, _ in msg])
    return names


def tx_schedule(fixtures: Path, name: str) -> list[tuple[float, bytes]]:
    """The client's writes of a transcript with their times (from NAME.timeline.jsonl)."""
    sent = (fixtures / f"{name}.sent").read_bytes()
    out = []
    for line in (fixtures / f"{name}.timeline.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["dir"] == "tx":
            out.append((float(row["t"]), sent[row["off"] : row["off"] + row["len"]]))
    return out


def first_timestamp(msgs: list[Message]) -> float | None:
    for msg in msgs:
        value = get(msg, "Timestamp")
        if value and msg[0][0] == "Event":
            return float(value)
    return None
