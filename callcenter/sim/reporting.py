"""The AMI events of the simulator, one builder per event, fields and order as Asterisk 20.

Kept apart from the engine so the engine reads as app_queue's logic and this module as the
protocol: units (HoldTime/TalkTime/RingTime in whole seconds, AgentRingNoAnswer RingTime in
milliseconds), Dest* blocks, ``Cause``/``Cause-txt``. ``noise`` events (Newexten, VarSet,
DeviceStateChange) are emitted only when the simulator is asked for a realistic stream.
"""

from __future__ import annotations

from callcenter.sim.channels import Channel, EventStream
from callcenter.sim.frames import Headers

CAUSES = {0: "Unknown", 16: "Normal Clearing", 17: "User busy", 21: "Call Rejected"}


class Reporter:
    def __init__(self, stream: EventStream, *, noise: bool) -> None:
        self.stream = stream
        self.noise = noise

    def ev(self, name: str, privilege: str, headers: Headers) -> None:
        self.stream.event(name, privilege, headers)

    def newchannel(self, ch: Channel) -> None:
        self.ev("Newchannel", "call", ch.block())

    def newstate(self, ch: Channel, state: int) -> None:
        ch.state = state
        self.ev("Newstate", "call", ch.block())

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
        self.ev(name, "call", [*head, *dest.block("Dest"), *extra])

    def agent(self, name: str, caller: Channel, dest: Channel | None, extra: Headers) -> None:
        head = caller.block() + (dest.block("Dest") if dest is not None else [])
        self.ev(name, "agent", head + extra)

    def queue_caller(self, name: str, caller: Channel, extra: Headers) -> None:
        self.ev(name, "agent", caller.block() + extra)

    def moh(self, ch: Channel, start: bool, musicclass: str = "default") -> None:
        if start:
            self.ev("MusicOnHoldStart", "call", [*ch.block(), ("Class", musicclass)])
        else:
            self.ev("MusicOnHoldStop", "call", ch.block())

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
        self.ev(name, "call", head + (ch.block() if ch is not None else []))

    def soft_hangup(self, ch: Channel, cause: int = 16) -> None:
        self.ev("SoftHangupRequest", "call", [*ch.block(), ("Cause", str(cause))])

    def hangup_request(self, ch: Channel, cause: int = 16) -> None:
        self.ev("HangupRequest", "call", [*ch.block(), ("Cause", str(cause))])

    def hangup(self, ch: Channel, cause: int = 16) -> None:
        ch.alive = False
        text = CAUSES.get(cause, "Unknown")
        self.ev("Hangup", "call", [*ch.block(), ("Cause", str(cause)), ("Cause-txt", text)])

    def user_event(self, ch: Channel, name: str, fields: Headers) -> None:
        self.ev("UserEvent", "user", [*ch.block(), ("UserEvent", name), *fields])
