"""Reads Asterisk's ``queues.conf`` (the project's ``asterisk/queues.conf``) into queue settings.

Only what app_queue's behaviour in the simulator needs is kept; unknown keys are ignored, as
they are by a real Asterisk that does not know them. ``member =>`` lines follow Asterisk's
syntax ``interface,penalty,membername,state_interface``. Raises ``QueuesConfError`` with the
line number for a line it cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from callcenter.errors import CallcenterError

STRATEGIES = ("rrmemory", "leastrecent", "ringall", "linear", "fewestcalls", "random")


class QueuesConfError(CallcenterError):
    """queues.conf cannot be read."""


@dataclass(frozen=True)
class MemberConf:
    interface: str
    penalty: int = 0
    name: str = ""
    state_interface: str = ""


@dataclass(frozen=True)
class QueueConf:
    name: str
    strategy: str = "ringall"
    maxlen: int = 0  # 0 = unlimited, as in Asterisk
    timeout: int = 15
    retry: int = 5
    wrapuptime: int = 0
    servicelevel: int = 0
    ringinuse: bool = True
    weight: int = 0
    musicclass: str = "default"
    members: tuple[MemberConf, ...] = field(default_factory=tuple)


def _bool(value: str) -> bool:
    return value.strip().lower() in ("yes", "true", "1", "on", "y")


def parse_queues_conf(text: str) -> dict[str, QueueConf]:
    """Every queue section of a queues.conf text (``[general]`` is skipped)."""
    raw: dict[str, dict[str, object]] = {}
    section: str | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            if not line.endswith("]") or len(line) < 3:
                raise QueuesConfError(f"line {lineno}: bad section header {line!r}")
            section = line[1:-1].strip()
            if section != "general":
                raw[section] = {"members": []}
            continue
        if section is None:
            raise QueuesConfError(f"line {lineno}: setting outside a section")
        if section == "general":
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise QueuesConfError(f"line {lineno}: expected key = value")
        key = key.strip()
        value = value.lstrip(">").strip()
        if key == "member":
            raw[section]["members"].append(_member(value, lineno))  # type: ignore[attr-defined]
        else:
            raw[section][key] = value
    return {name: _queue(name, values) for name, values in raw.items()}


def _member(value: str, lineno: int) -> MemberConf:
    parts = [p.strip() for p in value.split(",")]
    if not parts[0]:
        raise QueuesConfError(f"line {lineno}: member without an interface")
    try:
        penalty = int(parts[1]) if len(parts) > 1 and parts[1] else 0
    except ValueError as exc:
        raise QueuesConfError(f"line {lineno}: bad penalty {parts[1]!r}") from exc
    name = parts[2] if len(parts) > 2 and parts[2] else parts[0]
    state = parts[3] if len(parts) > 3 and parts[3] else parts[0]
    return MemberConf(parts[0], penalty, name, state)


def _queue(name: str, values: dict[str, object]) -> QueueConf:
    def num(key: str, default: int) -> int:
        value = values.get(key)
        if value is None:
            return default
        try:
            return int(str(value))
        except ValueError as exc:
            raise QueuesConfError(f"[{name}] {key}: not a number: {value!r}") from exc

    strategy = str(values.get("strategy", "ringall"))
    if strategy not in STRATEGIES:
        raise QueuesConfError(f"[{name}] unknown strategy {strategy!r}")
    members = values["members"]
    assert isinstance(members, list)
    return QueueConf(
        name=name,
        strategy=strategy,
        maxlen=num("maxlen", 0),
        timeout=num("timeout", 15),
        retry=num("retry", 5),
        wrapuptime=num("wrapuptime", 0),
        servicelevel=num("servicelevel", 0),
        ringinuse=_bool(str(values.get("ringinuse", "yes"))),
        weight=num("weight", 0),
        musicclass=str(values.get("musicclass", "default")),
        members=tuple(members),
    )


def load_queues_conf(path: Path) -> dict[str, QueueConf]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueuesConfError(f"cannot read {path}: {exc}") from exc
    return parse_queues_conf(text)
