"""An independent, deliberately naive reading of a transcript: what Asterisk itself reported.

Written apart from callcenter's parser so the replay tests compare two readings.
"""

from __future__ import annotations

from pathlib import Path


def messages(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8")
    out = []
    for block in text.split("\r\n\r\n"):
        headers: dict[str, str] = {}
        for line in block.split("\r\n"):
            if ": " in line:
                k, v = line.split(": ", 1)
                headers.setdefault(k, v)
        if "Event" in headers:
            out.append(headers)
    return out


def expected_calls(paths: list[Path]) -> dict[str, dict[str, object]]:
    """Per Linkedid: first AgentConnect HoldTime, summed TalkTime, last answering member,
    and the QueueCallerAbandon figures."""
    calls: dict[str, dict[str, object]] = {}
    for m in [m for path in paths for m in messages(path)]:
        event = m["Event"]
        lid = m.get("Linkedid") or m.get("DestLinkedid", "")
        if event == "AgentConnect":
            c = calls.setdefault(lid, {})
            c.setdefault("hold_seconds", int(m["HoldTime"]))
            c["seat"] = m["MemberName"]
        elif event == "AgentComplete":
            c = calls.setdefault(lid, {})
            talk = c.get("talk_seconds", 0)
            assert isinstance(talk, int)
            c["talk_seconds"] = talk + int(m["TalkTime"])
        elif event == "QueueCallerAbandon":
            calls[lid] = {
                "hold_seconds": int(m["HoldTime"]),
                "abandon_position": int(m["Position"]),
                "abandon_original_position": int(m["OriginalPosition"]),
            }
    return calls
