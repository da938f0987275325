"""The AMI events of the simulator, one builder per event, fields and order as Asterisk 20.

Kept apart from the engine so the engine reads as app_queue's logic and this module as the
protocol: units (HoldTime/TalkTime/RingTime in whole seconds, AgentRingNoAnswer RingTime in
milliseconds), Dest* blocks, ``Cause``/``Cause-txt``. ``noise`` events (Newexten, VarSet,
DeviceStateChange) are emitted only when the simulator is asked for a realistic stream.

A ``tap`` (``ReportTap``, e.g. ``pbx_logs.AsteriskLogs``: the queue_log and CEL rows Asterisk
writes for the same calls) sees every event reported here, noise or not, with the channel
objects it concerns and the event's own fields, before the event goes out.
"""

from __future__ import annotations

from typing import Protocol

from callcenter.sim.channels import Channel, EventStream
from callcenter.sim.frames import Headers

CAUSES = {0: "Unknown", 16: "Normal Clearing", 17: "User busy", 21: "Call Rejected"}


class ReportTap(Protocol):
    def observe(self, event: str, channels: tuple[Channel, ...], fields: Headers) -> None:
        """``channels``: the channels the event is about (caller first, then destination);
        ``fields``: the event's own fields (for events built by the caller of ``ev``: all)."""
        ...


class Reporter:
    def __init__(self, stream: EventStream, *, noise: bool) -> None:
        self.stream = stream
        self.noise = noise
        self.tap: ReportTap | None = None

    def ev(self, name: str, privilege: str, headers: Headers) -> None:
        if self.tap is not None:
            self.tap.observe(name, (), headers)
        self.stream.event(name, privilege, headers)

    def _send(
        self,
        name: str,
        privilege: str,
        headers: Headers,
        channels: tuple[Channel, ...],
        fields: Headers | None = None,
    ) -> None:
        if self.tap is not None:
            self.tap.observe(name, channels, fields or [])
        self.stream.event(name, privilege, headers)

    def newchannel(self, ch: Channel) -> None:
        self._send("Newchannel", "call", ch.block(), (ch,))

    def newstate(self, ch: Channel, state: int) -> None:
        ch.state = state
        self._send("Newstate", "call", ch.block(), (ch,))

    def callerid(self, ch: Channel, num: str, name: str) -> None:
        ch.caller_num, ch.caller_name = num, name
        self.ev(
            "NewCallerid",
            "call",
            [*ch.block(), ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")],
        )

    def connected(self, ch: Channel, num: str, name: str) -> None:
        ch.connected_num, ch.connected_name = num, name
        self.ev("NewConnectedLine", "call", ch.block())

    def local_bridge(self, one: Channel, two: Channel) -> None:
        head = [(f"LocalOne{k}", v) for k, v in one.block()]
        head += [(f"LocalTwo{k}", v) for k, v in two.block()]
        head += [("Context", one.context), ("Exten", one.exten), ("LocalOptimization", "Yes")]
        self.ev("LocalBridge", "call", head)

    def exten(self, ch: Channel, priority: int, app: str, data: str) -> None:
        ch.priority = priority
        ch.application, ch.app_data = app, data
        if self.noise:
            head = [*ch.block(), ("Extension", ch.exten), ("Application", app), ("AppData", data)]
            self.ev("Newexten", "dialplan", head)

    def var(self, ch: Channel, name: str, value: str, *, always: bool = False) -> None:
        ch.variables[name.lstrip("_")] = value
        if self.noise or always:
            self.ev("VarSet", "dialplan", [*ch.block(), ("Variable", name), ("Value", value)])

    def device(self, device: str, state: str) -> None:
        if self.noise:
            self.ev("DeviceStateChange", "call", [("Device", device), ("State", state)])

    def dial(self, name: str, caller: Channel | None, dest: Channel, extra: Headers) -> None:
        head = caller.block() if caller is not None else []
        channels = (caller, dest) if caller is not None else (dest,)
        self._send(name, "call", [*head, *dest.block("Dest"), *extra], channels, extra)

    def agent(self, name: str, caller: Channel, dest: Channel | None, extra: Headers) -> None:
        head = caller.block() + (dest.block("Dest") if dest is not None else [])
        channels = (caller, dest) if dest is not None else (caller,)
        self._send(name, "agent", head + extra, channels, extra)

    def queue_caller(self, name: str, caller: Channel, extra: Headers) -> None:
        self._send(name, "agent", caller.block() + extra, (caller,), extra)

    def moh(self, ch: Channel, start: bool, musicclass: str = "default") -> None:
        if start:
            fields = [("Class", musicclass)]
            self._send("MusicOnHoldStart", "call", [*ch.block(), *fields], (ch,), fields)
        else:
            self._send("MusicOnHoldStop", "call", ch.block(), (ch,))

    def bridge(self, name: str, bridge_id: str, count: int, ch: Channel | None = None) -> None:
        head: Headers = [
            ("BridgeUniqueid", bridge_id),
            ("BridgeType", "basic"),
            ("BridgeTechnology", "simple_bridge"),
            ("BridgeCreator", "<unknown>"),
            ("BridgeName", "<unknown>"),
            ("BridgeNumChannels", str(count)),
            ("BridgeVideoSourceMode", "none"),
        ]
        channels = (ch,) if ch is not None else ()
        self._send(name, "call", head + (ch.block() if ch is not None else []), channels, head)

    def soft_hangup(self, ch: Channel, cause: int = 16) -> None:
        fields = [("Cause", str(cause))]
        self._send("SoftHangupRequest", "call", [*ch.block(), *fields], (ch,), fields)

    def hangup_request(self, ch: Channel, cause: int = 16) -> None:
        fields = [("Cause", str(cause))]
        self._send("HangupRequest", "call", [*ch.block(), *fields], (ch,), fields)

    def hangup(self, ch: Channel, cause: int = 16) -> None:
        ch.alive = False
        text = CAUSES.get(cause, "Unknown")
        fields = [("Cause", str(cause)), ("Cause-txt", text)]
        self._send("Hangup", "call", [*ch.block(), *fields], (ch,), fields)

    def user_event(self, ch: Channel, name: str, fields: Headers) -> None:
        self.ev("UserEvent", "user", [*ch.block(), ("UserEvent", name), *fields])
