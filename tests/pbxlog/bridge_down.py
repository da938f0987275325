"""The bridge-down-A recording (tests/fixtures/bridge-down-A, see its NOTES.txt) as the two
bridges saw it, and the truth the PBX recorded, derived independently of callcenter's code.

``pbx.ami`` is one AMI connection that saw everything. Serve #1 saw its events up to the
kill (``killed_at``); serve #2 logged in at ``reconnected_at``, took a snapshot (QueueStatus,
CoreShowChannels: rebuilt here from the channels and members live at that instant, as
Asterisk would have answered) and then saw the events from then on.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent.parent / "fixtures" / "bridge-down-A"
WINDOW = json.loads((HERE / "window.json").read_text())


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


KILLED_AT = at(WINDOW["killed_at"])
RESTARTED_AT = at(WINDOW["restarted_at"])
RECONNECTED_AT = at(WINDOW["reconnected_at"])
ALL_ENDED_AT = at(WINDOW["all_calls_ended_at"])


def _blocks() -> list[tuple[bytes, dict[str, str]]]:
    data = (HERE / "pbx.ami").read_bytes()
    out = []
    for block in data.split(b"\r\n\r\n"):
        if not block.strip():
            continue
        headers: dict[str, str] = {}
        for line in block.decode("utf-8", "replace").split("\r\n"):
            key, sep, value = line.partition(": ")
            if sep and key not in headers:
                headers[key] = value
        out.append((block + b"\r\n\r\n", headers))
    return out


def _stamp(headers: dict[str, str]) -> float | None:
    value = headers.get("Timestamp")
    return float(value) if value else None


def serve_one() -> bytes:
    """What serve #1 received: the login exchange and every event before the kill."""
    kept = []
    for block, h in _blocks():
        stamp = _stamp(h)
        if stamp is None or stamp < WINDOW["killed_at"]:
            kept.append(block)
        elif stamp >= WINDOW["killed_at"]:
            break
    return b"".join(kept)


def serve_two_events() -> bytes:
    """What serve #2 received after its snapshot: every event from its login on."""
    return b"".join(
        block
        for block, h in _blocks()
        if (stamp := _stamp(h)) is not None and stamp >= WINDOW["reconnected_at"]
    )


@dataclass
class _Channel:
    channel: str
    uniqueid: str
    linkedid: str
    caller: str
    created: float
    application: str = ""
    data: str = ""
    bridge: str = ""


def serve_two_snapshot() -> bytes:
    """The QueueStatus and CoreShowChannels answers serve #2 got at ``reconnected_at``."""
    channels: dict[str, _Channel] = {}
    members: dict[str, tuple[str, str]] = {}
    waiting: dict[str, tuple[str, int]] = {}
    for _block, h in _blocks():
        stamp = _stamp(h)
        if stamp is None:
            continue
        if stamp >= WINDOW["reconnected_at"]:
            break
        event, uid = h.get("Event", ""), h.get("Uniqueid", "")
        if event == "Newchannel":
            channels[uid] = _Channel(
                h["Channel"], uid, h["Linkedid"], h.get("CallerIDNum", ""), stamp
            )
        elif uid in channels and h.get("Linkedid"):  # Asterisk moves a leg to its call's
            channels[uid].linkedid = h["Linkedid"]  # Linkedid once dialled: no event says so
        if event == "Newchannel":
            pass
        elif event == "Hangup":
            channels.pop(uid, None)
            waiting.pop(uid, None)
        elif uid in channels and event == "NewCallerid":
            channels[uid].caller = h.get("CallerIDNum", "")
        elif uid in channels and event == "Newexten":
            channels[uid].application = h.get("Application", "")
            channels[uid].data = h.get("AppData", "")
        elif uid in channels and event == "BridgeEnter":
            channels[uid].bridge = h.get("BridgeUniqueid", "")
        elif uid in channels and event == "BridgeLeave":
            channels[uid].bridge = ""
        elif event == "QueueMemberStatus":
            members[h["MemberName"]] = (h["Interface"], h.get("Status", "1"))
        elif event == "QueueCallerJoin":
            waiting[uid] = (h["Channel"], int(h["Position"]))
        elif event == "QueueCallerLeave":
            waiting.pop(uid, None)
    now = WINDOW["reconnected_at"]
    frames = []
    for name, (interface, status) in sorted(members.items()):
        frames.append(
            f"Event: QueueMember\r\nActionID: s2-1\r\nQueue: line19\r\nName: {name}\r\n"
            f"Location: {interface}\r\nStateInterface: {interface.removesuffix('/n')}\r\n"
            f"Membership: static\r\nPenalty: 0\r\nCallsTaken: 0\r\nLastCall: 0\r\n"
            f"LastPause: 0\r\nInCall: 0\r\nStatus: {status}\r\nPaused: 0\r\nPausedReason: \r\n"
        )
    for uid, (channel, position) in waiting.items():
        frames.append(
            f"Event: QueueEntry\r\nActionID: s2-1\r\nQueue: line19\r\nPosition: {position}\r\n"
            f"Channel: {channel}\r\nUniqueid: {uid}\r\nWait: 1\r\nPriority: 0\r\n"
        )
    frames.append(f"Event: QueueStatusComplete\r\nActionID: s2-1\r\nListItems: {len(frames)}\r\n")
    for ch in channels.values():
        seconds = int(now - ch.created)
        frames.append(
            f"Event: CoreShowChannel\r\nActionID: s2-2\r\nChannel: {ch.channel}\r\n"
            f"CallerIDNum: {ch.caller}\r\nUniqueid: {ch.uniqueid}\r\nLinkedid: {ch.linkedid}\r\n"
            f"Application: {ch.application}\r\nApplicationData: {ch.data}\r\n"
            f"Duration: 00:00:{seconds:02d}\r\nBridgeId: {ch.bridge}\r\n"
        )
    frames.append(
        f"Event: CoreShowChannelsComplete\r\nActionID: s2-2\r\nListItems: {len(channels)}\r\n"
    )
    return "\r\n".join(frames).encode() + b"\r\n"


def csv_rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(newline="") as f:
        return list(csv.DictReader(f))


@dataclass
class Truth:
    """One call as queue_log recorded it (holdtime and calltime in the data fields)."""

    outcome: str
    hold_seconds: int
    talk_seconds: int | None
    counts: dict[str, int] = field(default_factory=dict)


def truth() -> dict[str, Truth]:
    """Per Linkedid (CEL maps the queue_log callid, a ;2 leg, to it): answered with CONNECT's
    holdtime and COMPLETE*'s calltime, or abandoned with ABANDON's waittime."""
    linked = {r["uniqueid"]: r["linkedid"] for r in csv_rows("cel.csv")}
    calls: dict[str, Truth] = {}
    for row in csv_rows("queue_log.csv"):
        if row["callid"] == "NONE":
            continue
        lid = linked[row["callid"]]
        call = calls.setdefault(lid, Truth("", 0, None))
        event = row["event"]
        call.counts[event] = call.counts.get(event, 0) + 1
        if event == "CONNECT":
            call.outcome, call.hold_seconds = "answered", int(row["data1"])
        elif event in ("COMPLETEAGENT", "COMPLETECALLER"):
            call.talk_seconds = (call.talk_seconds or 0) + int(row["data2"])
        elif event == "ABANDON":
            call.outcome, call.hold_seconds = "abandoned", int(row["data3"])
    return calls
