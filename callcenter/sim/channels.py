"""Channels as Asterisk names and describes them, and the event stream they are reported on.

``Channel.block(prefix)`` gives the standard channel header block (``Channel``, ``ChannelState``
... ``Linkedid``, or ``DestChannel`` ... with ``prefix="Dest"``), in Asterisk's order.
Uniqueids are ``<epoch seconds at creation>.<global counter>``; all legs of one call share the
``Linkedid`` of its first leg. ``EventStream`` stamps each event (``Event``, ``Privilege``,
``Timestamp`` third when ``timestampevents`` is on), encodes it once and hands the bytes to
every listener, synchronously and in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from callcenter.sim.clock import Scheduler
from callcenter.sim.frames import Headers, encode

STATE_DESC = {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up"}
DOWN, RING, RINGING, UP = 0, 4, 5, 6


@dataclass(eq=False)
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    context: str
    exten: str
    priority: int = 1
    state: int = DOWN
    caller_num: str = "<unknown>"
    caller_name: str = "<unknown>"
    connected_num: str = "<unknown>"
    connected_name: str = "<unknown>"
    created: float = 0.0  # simulated time
    application: str = ""
    app_data: str = ""
    bridge: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    alive: bool = True

    def block(self, prefix: str = "") -> Headers:
        return [
            (prefix + "Channel", self.name),
            (prefix + "ChannelState", str(self.state)),
            (prefix + "ChannelStateDesc", STATE_DESC.get(self.state, "Unknown")),
            (prefix + "CallerIDNum", self.caller_num),
            (prefix + "CallerIDName", self.caller_name),
            (prefix + "ConnectedLineNum", self.connected_num),
            (prefix + "ConnectedLineName", self.connected_name),
            (prefix + "Language", "en"),
            (prefix + "AccountCode", ""),
            (prefix + "Context", self.context),
            (prefix + "Exten", self.exten),
            (prefix + "Priority", str(self.priority)),
            (prefix + "Uniqueid", self.uniqueid),
            (prefix + "Linkedid", self.linkedid),
        ]


Listener = Callable[[str, str, bytes], None]  # (event name, privilege class, encoded bytes)


class EventStream:
    """Numbering of channels and the ordered fan-out of encoded events."""

    def __init__(self, scheduler: Scheduler, *, timestamps: bool) -> None:
        self.scheduler = scheduler
        self.timestamps = timestamps
        self.listeners: list[Listener] = []
        self.counter = 0
        self.local_counter = 0
        self.tech_counter = 0
        self.bridge_counter = 0
        self.sent = 0

    def uniqueid(self) -> str:
        value = f"{int(self.scheduler.wall())}.{self.counter}"
        self.counter += 1
        return value

    def local_name(self, exten: str, context: str) -> str:
        name = f"Local/{exten}@{context}-{self.local_counter:08x}"
        self.local_counter += 1
        return name

    def tech_name(self, interface: str) -> str:
        name = f"{interface}-{self.tech_counter:08x}"
        self.tech_counter += 1
        return name

    def bridge_id(self) -> str:
        self.bridge_counter += 1
        n = self.bridge_counter
        return f"{n:08x}-5ca1-4c0c-9e19-{(n * 2654435761) % (1 << 48):012x}"

    def event(self, name: str, privilege: str, headers: Headers) -> None:
        head: Headers = [("Event", name), ("Privilege", f"{privilege},all")]
        if self.timestamps:
            head.append(("Timestamp", f"{self.scheduler.wall():.6f}"))
        head.extend(headers)
        data = encode(head)
        self.sent += 1
        for listener in list(self.listeners):
            listener(name, privilege, data)
