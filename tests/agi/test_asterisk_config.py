"""The Asterisk configuration agrees with itself and with callcenter's settings."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

from callcenter.settings import AgiSettings

ROOT = Path(__file__).parent.parent.parent
Sections = list[tuple[str, str, list[tuple[str, str]]]]  # (name, templates, [(key, value)])


def parse(path: Path) -> Sections:
    sections: Sections = []
    for raw in path.read_text().splitlines():
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        header = re.match(r"^\[([^\]]+)\](?:\(([^)]*)\))?$", line)
        if header:
            sections.append((header.group(1), header.group(2) or "", []))
            continue
        key, _, value = re.split(r"\s*(=>|=)\s*", line, maxsplit=1)
        sections[-1][2].append((key.strip(), value.strip()))
    return sections


def values(sections: Sections, name: str, key: str) -> list[str]:
    return [v for n, _, kvs in sections if n == name for k, v in kvs if k == key]


def test_queue_members_are_webrtc_seat_endpoints() -> None:
    queues = parse(ROOT / "asterisk/queues.conf")
    pjsip = parse(ROOT / "asterisk/pjsip.conf")
    members = values(queues, "line19", "member")
    assert len(members) == 20
    assert values(queues, "line19", "maxlen") == ["60"]
    template = dict(next(kvs for n, t, kvs in pjsip if n == "seat-endpoint" and t == "!"))
    assert (template["webrtc"], template["transport"], template["type"]) == (
        "yes",
        "transport-wss",
        "endpoint",
    )
    assert values(pjsip, "transport-wss", "protocol") == ["wss"]
    for member in members:
        interface, penalty, name, state = (p.strip() for p in member.split(","))
        seat = interface.removeprefix("PJSIP/")
        assert state == interface and penalty == "0" and name.startswith("Seat ")
        kinds = {t for n, t, _ in pjsip if n == seat}
        assert kinds == {"seat-endpoint", "seat-auth", "seat-aor"}, seat


def test_manager_for_the_bridge() -> None:
    manager = parse(ROOT / "asterisk/manager.conf")
    assert values(manager, "general", "timestampevents") == ["yes"]
    (bindaddr,) = values(manager, "general", "bindaddr")
    assert ipaddress.ip_address(bindaddr).is_private
    assert "command" not in values(manager, "callcenter", "write")[0]


def test_dialplan_fails_open_and_never_hangs_up_on_a_caller() -> None:
    dialplan = parse(ROOT / "dialplans/extensions.conf")
    pjsip = parse(ROOT / "asterisk/pjsip.conf")
    contexts = {n for n, _, _ in dialplan}
    assert {"from-pstn", "overflow", "transfer", "seats"} <= contexts
    assert values(pjsip, "trunk", "context") == ["from-pstn"]
    assert dict(next(kvs for n, t, kvs in pjsip if n == "seat-endpoint"))["context"] == "seats"

    (url,) = values(dialplan, "globals", "CALLCENTER_AGI")
    for name in ("CALLCENTER_HOST", "CALLCENTER_AGI_PORT"):  # expanded when the file loads
        (value,) = values(dialplan, "globals", name)
        url = url.replace("${" + name + "}", value)
    parts = urlsplit(url)
    assert (parts.scheme, parts.port, parts.path) == ("agi", AgiSettings().port, "/qualify")

    entry = " | ".join(
        values(dialplan, "from-pstn", "exten") + values(dialplan, "from-pstn", "same")
    )
    steps = entry.split(" | ")
    agi = next(i for i, s in enumerate(steps) if "AGI(${CALLCENTER_AGI})" in s)
    assert any("Set(CALLCENTER_ROUTE=queue)" in s for s in steps[:agi])  # default before asking
    assert '"${AGISTATUS}" = "SUCCESS"' in steps[agi + 1]
    assert any('"${CALLCENTER_ROUTE}" = "overflow"]?overflow,s,1' in s for s in steps)
    assert any("Queue(line19)" in s for s in steps)
    assert any(s.startswith("h,") for s in values(dialplan, "from-pstn", "exten"))

    overflow = values(dialplan, "overflow", "same")
    assert not any("Hangup" in s for s in overflow)
    assert overflow[-1] == "n,Goto(loop)"
    assert any("AGI(${CALLCENTER_AGI}?retry=" in s for s in overflow)
