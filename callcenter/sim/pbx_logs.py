"""The rows Asterisk 20 writes to its own logs for the calls the simulator plays: ``queue_log``
(app_queue's log: realtime table and the ``queue_log`` file) and CEL (``cel_pgsql``).

Asterisk keeps writing these while callcenter's bridge is down; callcenter reconciles from
them after a restart. ``AsteriskLogs`` is a ``ReportTap`` (``reporting.py``): it sees each AMI
event the simulator reports, with the channels it concerns, and derives the rows Asterisk's
own code writes at the same point, as recorded in ``bridge-down-A`` (tests/fixtures):

queue_log (``callid`` = Uniqueid of the queue caller, the ``;2`` leg; ``agent`` = member name
or ``NONE``; data fields as app_queue formats them, ``|``-separated):

- ENTERQUEUE ``url|callerid num|position``  (url empty)
- CONNECT ``holdtime|member channel Uniqueid|ringtime``  (seconds)
- COMPLETECALLER / COMPLETEAGENT ``holdtime|calltime|origposition``
- ABANDON ``position|origposition|waittime``
- RINGNOANSWER ``ring ms``; RINGCANCELED ``ms rung`` (the caller hung up while a seat rang)
- BLINDTRANSFER ``exten|context|holdtime|calltime|origposition``

CEL (every leg; ``uniqueid`` and ``linkedid``; ``amaflags`` 3; ``apps=all`` is not a wildcard
in Asterisk 20, so no APP_START/APP_END): CHAN_START, ANSWER, STREAM_BEGIN/STREAM_END (music
on hold, ``userdeftype`` MOH_STREAM_*), BRIDGE_ENTER/BRIDGE_EXIT (``extra`` bridge id and
technology, ``peer`` the channels already in the bridge), HANGUP (``extra`` hangupcause,
hangupsource, dialstatus), CHAN_END, and LINKEDID_END after the last channel of a linkedid.

Known approximations: ``hangupsource`` is ``dialplan/builtin`` on the first leg of a call to
hang up and empty on the others; the caller's ``;2`` leg hangs up in the ``h`` extension
(``dialplans/extensions.conf`` has one in ``[from-pstn]``).

Rows are handed to a ``RowSink`` (``pbx_log_sinks.LogWriter`` buffers them for files and
databases); building them never raises into the simulation: a failure is counted in
``errors`` and logged once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from callcenter.sim.channels import UP, Channel
from callcenter.sim.frames import Headers

log = logging.getLogger(__name__)

AMAFLAGS_DOCUMENTATION = 3


def utc(epoch: float) -> datetime:
    """Asterisk's GMT timestamp, as a naive UTC datetime (the columns have no time zone)."""
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class QueueLogRow:
    epoch: float
    callid: str
    queuename: str
    agent: str
    event: str
    data: tuple[str, ...] = ()

    def file_line(self) -> str:
        """The ``queue_log`` file line: ``epoch|callid|queue|agent|event|data`` (no newline)."""
        head = f"{int(self.epoch)}|{self.callid}|{self.queuename}|{self.agent}|{self.event}|"
        return head + "|".join(self.data)

    def columns(self) -> dict[str, object]:
        """The realtime table's columns (data1..data5, empty strings when absent)."""
        data = [*self.data[:5], *[""] * (5 - min(len(self.data), 5))]
        row: dict[str, object] = {
            "time": utc(self.epoch),
            "callid": self.callid,
            "queuename": self.queuename,
            "agent": self.agent,
            "event": self.event,
        }
        row.update({f"data{i}": value for i, value in enumerate(data, start=1)})
        return row


@dataclass(frozen=True)
class CelRow:
    eventtype: str
    epoch: float
    channame: str
    uniqueid: str
    linkedid: str
    exten: str = ""
    context: str = ""
    cid_name: str = ""
    cid_num: str = ""
    cid_ani: str = ""
    appname: str = ""
    appdata: str = ""
    userdeftype: str = ""
    peer: str = ""
    extra: str = ""

    def columns(self) -> dict[str, object]:
        return {
            "eventtype": self.eventtype,
            "eventtime": utc(self.epoch),
            "userdeftype": self.userdeftype,
            "cid_name": self.cid_name,
            "cid_num": self.cid_num,
            "cid_ani": self.cid_ani,
            "cid_rdnis": "",
            "cid_dnid": "",
            "exten": self.exten,
            "context": self.context,
            "channame": self.channame,
            "appname": self.appname,
            "appdata": self.appdata,
            "amaflags": AMAFLAGS_DOCUMENTATION,
            "accountcode": "",
            "peeraccount": "",
            "uniqueid": self.uniqueid,
            "linkedid": self.linkedid,
            "userfield": "",
            "peer": self.peer,
            "extra": self.extra,
        }


class RowSink(Protocol):
    def queue_log(self, row: QueueLogRow) -> None: ...

    def cel(self, row: CelRow) -> None: ...


@dataclass
class MemoryRows:
    """A ``RowSink`` that keeps every row (tests, small runs)."""

    queue_log_rows: list[QueueLogRow] = field(default_factory=list)
    cel_rows: list[CelRow] = field(default_factory=list)

    def queue_log(self, row: QueueLogRow) -> None:
        self.queue_log_rows.append(row)

    def cel(self, row: CelRow) -> None:
        self.cel_rows.append(row)


@dataclass
class _Ringing:
    member: str
    queue: str
    since: float


def _fields(fields: Headers) -> dict[str, str]:
    return dict(fields)


def _json(value: dict[str, object]) -> str:
    return json.dumps(value, separators=(",", ":"))


class AsteriskLogs:
    """The ``ReportTap`` that writes queue_log and CEL rows to ``sink``; ``clock`` gives the
    simulated wall time (epoch seconds)."""

    def __init__(self, sink: RowSink, clock: Callable[[], float]) -> None:
        self.sink = sink
        self.clock = clock
        self.errors = 0
        self._joined: dict[str, int] = {}  # caller Uniqueid -> original position
        self._ringing: dict[str, _Ringing] = {}  # caller Uniqueid -> the member ringing
        self._transfers: dict[str, tuple[str, str]] = {}  # caller Uniqueid -> (exten, context)
        self._dialstatus: dict[str, str] = {}  # caller Uniqueid -> last DialStatus
        self._alive: dict[str, set[str]] = {}  # linkedid -> Uniqueids not ended yet
        self._hung: set[str] = set()  # linkedids with a leg already hung up
        self._bridges: dict[str, list[str]] = {}  # bridge id -> channel names in it

    def observe(self, event: str, channels: tuple[Channel, ...], fields: Headers) -> None:
        handler = _HANDLERS.get(event)
        if handler is None:
            return
        try:
            handler(self, channels, _fields(fields))
        except Exception:  # never into the simulation
            self.errors += 1
            if self.errors == 1:
                log.exception("could not build the Asterisk log rows of %s", event)

    # ------------------------------------------------------------------ queue_log
    def _q(self, callid: str, queue: str, agent: str, event: str, *data: object) -> None:
        row = QueueLogRow(self.clock(), callid, queue, agent, event, tuple(str(d) for d in data))
        self.sink.queue_log(row)

    def _join(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        caller = ch[0]
        self._joined[caller.uniqueid] = int(f["Position"])
        self._q(caller.uniqueid, f["Queue"], "NONE", "ENTERQUEUE", "", caller.caller_num,
                f["Position"])  # fmt: skip

    def _called(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        self._ringing[ch[0].uniqueid] = _Ringing(f["MemberName"], f["Queue"], self.clock())

    def _connect(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        caller, seat = ch[0], ch[1]
        self._ringing.pop(caller.uniqueid, None)
        self._q(caller.uniqueid, f["Queue"], f["MemberName"], "CONNECT", f["HoldTime"],
                seat.uniqueid, f["RingTime"])  # fmt: skip

    def _complete(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        caller = ch[0]
        opos = self._joined.get(caller.uniqueid, 0)
        queue, member, hold, talk = f["Queue"], f["MemberName"], f["HoldTime"], f["TalkTime"]
        reason = f.get("Reason", "agent")
        if reason == "transfer":
            exten, context = self._transfers.pop(caller.uniqueid, ("", ""))
            self._q(caller.uniqueid, queue, member, "BLINDTRANSFER", exten, context, hold, talk,
                    opos)  # fmt: skip
            return
        event = "COMPLETECALLER" if reason == "caller" else "COMPLETEAGENT"
        self._q(caller.uniqueid, queue, member, event, hold, talk, opos)

    def _abandon(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        caller = ch[0]
        self._q(caller.uniqueid, f["Queue"], "NONE", "ABANDON", f["Position"],
                f["OriginalPosition"], f["HoldTime"])  # fmt: skip

    def _no_answer(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        caller = ch[0]
        self._ringing.pop(caller.uniqueid, None)
        self._q(caller.uniqueid, f["Queue"], f["MemberName"], "RINGNOANSWER", f["RingTime"])

    def _transfer(self, _ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        transferee = f.get("TransfereeUniqueid", "")
        self._transfers[transferee] = (f.get("Extension", ""), f.get("Context", ""))

    def _dial_begin(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        if len(ch) == 2:
            self._dialstatus.pop(ch[0].uniqueid, None)

    def _dial_end(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        if len(ch) != 2:
            return
        caller, status = ch[0], f.get("DialStatus", "")
        self._dialstatus[caller.uniqueid] = status
        ringing = self._ringing.get(caller.uniqueid)
        if status == "CANCEL" and ringing is not None:
            del self._ringing[caller.uniqueid]
            rung = int((self.clock() - ringing.since) * 1000)
            self._q(caller.uniqueid, ringing.queue, ringing.member, "RINGCANCELED", rung)

    # ------------------------------------------------------------------ CEL
    def _cel(self, event: str, ch: Channel, *, in_h: bool = False, **extra: str) -> None:
        """A CEL row of ``ch`` as it is now (``in_h``: it runs the ``h`` extension, no app)."""
        second_leg = ch.name.endswith(";2")
        known = ch.caller_num not in ("", "<unknown>")
        num = ch.caller_num if known else ""
        name = ch.caller_name if ch.caller_name != "<unknown>" else ""
        row = CelRow(
            eventtype=event,
            epoch=self.clock(),
            channame=ch.name,
            uniqueid=ch.uniqueid,
            linkedid=ch.linkedid,
            exten="h" if in_h else ch.exten,
            context=ch.context,
            cid_name=name,
            cid_num=num,
            cid_ani="" if second_leg else num,
            appname="" if in_h else ch.application,
            appdata="" if in_h else ch.app_data,
            **extra,
        )
        self.sink.cel(row)

    def _start(self, ch: tuple[Channel, ...], _f: dict[str, str]) -> None:
        leg = ch[0]
        self._alive.setdefault(leg.linkedid, set()).add(leg.uniqueid)
        row = CelRow("CHAN_START", self.clock(), leg.name, leg.uniqueid, leg.linkedid,
                     exten=leg.exten, context=leg.context)  # fmt: skip
        self.sink.cel(row)

    def _state(self, ch: tuple[Channel, ...], _f: dict[str, str]) -> None:
        if ch[0].state == UP:
            self._cel("ANSWER", ch[0])

    def _moh_start(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        extra = _json({"class": f.get("Class", "default")})
        self._cel("STREAM_BEGIN", ch[0], userdeftype="MOH_STREAM_BEGIN", extra=extra)

    def _moh_stop(self, ch: tuple[Channel, ...], _f: dict[str, str]) -> None:
        self._cel("STREAM_END", ch[0], userdeftype="MOH_STREAM_END")

    def _bridge_enter(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        if not ch:
            return
        bridge = f["BridgeUniqueid"]
        inside = self._bridges.setdefault(bridge, [])
        extra = _json({"bridge_id": bridge, "bridge_technology": f["BridgeTechnology"]})
        self._cel("BRIDGE_ENTER", ch[0], peer=",".join(inside), extra=extra)
        inside.append(ch[0].name)

    def _bridge_exit(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        if not ch:
            return
        bridge = f["BridgeUniqueid"]
        inside = self._bridges.get(bridge, [])
        if ch[0].name in inside:
            inside.remove(ch[0].name)
        extra = _json({"bridge_id": bridge, "bridge_technology": f["BridgeTechnology"]})
        self._cel("BRIDGE_EXIT", ch[0], extra=extra)

    def _bridge_destroy(self, _ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        self._bridges.pop(f["BridgeUniqueid"], None)

    def _hangup(self, ch: tuple[Channel, ...], f: dict[str, str]) -> None:
        leg = ch[0]
        in_h = leg.name.endswith(";2") and leg.context == "from-pstn"  # [from-pstn] h ran
        first = leg.linkedid not in self._hung
        self._hung.add(leg.linkedid)
        extra = _json(
            {
                "hangupcause": int(f.get("Cause", "16")),
                "hangupsource": "dialplan/builtin" if first else "",
                "dialstatus": self._dialstatus.pop(leg.uniqueid, ""),
            }
        )
        self._cel("HANGUP", leg, in_h=in_h, extra=extra)
        self._cel("CHAN_END", leg, in_h=in_h)
        alive = self._alive.get(leg.linkedid)
        if alive is not None:
            alive.discard(leg.uniqueid)
            if not alive:
                del self._alive[leg.linkedid]
                self._hung.discard(leg.linkedid)
                self._cel("LINKEDID_END", leg, in_h=in_h)
        self._joined.pop(leg.uniqueid, None)
        self._ringing.pop(leg.uniqueid, None)
        self._transfers.pop(leg.uniqueid, None)


Handler = Callable[[AsteriskLogs, tuple[Channel, ...], dict[str, str]], None]

_HANDLERS: dict[str, Handler] = {
    "QueueCallerJoin": AsteriskLogs._join,
    "AgentCalled": AsteriskLogs._called,
    "AgentConnect": AsteriskLogs._connect,
    "AgentComplete": AsteriskLogs._complete,
    "QueueCallerAbandon": AsteriskLogs._abandon,
    "AgentRingNoAnswer": AsteriskLogs._no_answer,
    "BlindTransfer": AsteriskLogs._transfer,
    "DialBegin": AsteriskLogs._dial_begin,
    "DialEnd": AsteriskLogs._dial_end,
    "Newchannel": AsteriskLogs._start,
    "Newstate": AsteriskLogs._state,
    "MusicOnHoldStart": AsteriskLogs._moh_start,
    "MusicOnHoldStop": AsteriskLogs._moh_stop,
    "BridgeEnter": AsteriskLogs._bridge_enter,
    "BridgeLeave": AsteriskLogs._bridge_exit,
    "BridgeDestroy": AsteriskLogs._bridge_destroy,
    "Hangup": AsteriskLogs._hangup,
}
