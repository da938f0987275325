"""Asterisk's own record of its calls, as plain values: queue_log rows and CEL rows. Pure.

The readers (``callcenter/pbxlog/``) turn the PostgreSQL tables (``queue_log``, written by
res_config_pgsql; ``cel``, written by cel_pgsql) or the ``queue_log`` file into these rows;
``calls_from`` groups them per call (the ``Linkedid``, callcenter's call id) into a
``PbxCall``: the PBX's story of that call, in order, which ``domain/reconcile.py`` compares
with the call's timeline.

Identity facts (bridge-down-A, Asterisk 20): a queue_log ``callid`` is the ``Uniqueid`` of
the channel that ran ``Queue()``: on a trunk channel that is the call's ``Linkedid``, but on a
``Local/...;2`` leg (calls entered through a Local channel) it is not: that leg's ``;1`` is the
Linkedid, the Uniqueid just before it (``E.N-1``, the same second ``E`` or, across a second
boundary, ``E-1``). CEL rows carry both ``uniqueid`` and ``linkedid`` and settle it; without
CEL (the queue_log file) ``resolve_call_ids`` uses the calls callcenter already knows, then
the rule they show. CONNECT's ``data2`` is the seat leg's Uniqueid.

queue_log data fields (app_queue.c): ENTERQUEUE url|callerid|position; CONNECT
holdtime|member uniqueid|ringtime; COMPLETEAGENT/COMPLETECALLER holdtime|calltime|origposition;
ABANDON position|origposition|waittime; EXITWITHTIMEOUT/EXITEMPTY position|origposition|
waittime; EXITWITHKEY key|position|origposition|waittime; RINGNOANSWER ringtime (ms);
BLINDTRANSFER extension|context|holdtime|calltime|origposition; ATTENDEDTRANSFER
method|target|holdtime|calltime|origposition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True, kw_only=True)
class QueueLogRow:
    """One queue_log line or row (Asterisk's column names). ``time`` is UTC, aware."""

    time: datetime
    callid: str
    queuename: str
    agent: str
    event: str
    data1: str = ""
    data2: str = ""
    data3: str = ""
    data4: str = ""
    data5: str = ""


@dataclass(frozen=True, kw_only=True)
class CelRow:
    """One CEL row (the columns cel_pgsql maps that the reconciliation uses)."""

    eventtype: str
    eventtime: datetime
    uniqueid: str
    linkedid: str
    channame: str = ""
    context: str = ""
    cid_num: str = ""
    extra: str = ""


@dataclass(frozen=True, kw_only=True)
class PbxRecords:
    """What a reader found for a window: every row of every call that has one in it."""

    queue_log: Sequence[QueueLogRow] = ()
    cel: Sequence[CelRow] = ()
    source: str = ""  # "queue_log+cel" (the tables), "queue_log file"


class CallerLeg(StrEnum):
    """How a queue_log callid relates to the Linkedid when no CEL row says it."""

    AUTO = "auto"  # learn it from the calls callcenter knows, else CHANNEL
    CHANNEL = "channel"  # the call's first channel ran Queue(): callid = Linkedid (a trunk)
    LOCAL = "local"  # a Local channel's ;2 leg ran Queue(): Linkedid = the ;1 leg, one before


@dataclass(frozen=True, kw_only=True)
class PbxStep:
    """One thing the PBX recorded about a call, in its order."""

    kind: str  # entered, queued, ring_no_answer, answered, conversation_ended, abandoned,
    # left_queue, transferred, line_ended (the timeline's step kinds)
    at: datetime
    nth: int  # 1, 2... among the call's steps of this kind: the step's identity
    queue: str = ""
    seat: str = ""
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class PbxCall:
    call_id: str  # the Linkedid
    caller: str = ""
    steps: tuple[PbxStep, ...] = ()
    ended_at: datetime | None = None  # the line's end, when the records show it

    @property
    def started_at(self) -> datetime | None:
        return self.steps[0].at if self.steps else None


QUEUE_EVENTS = {
    "ENTERQUEUE": "queued",
    "RINGNOANSWER": "ring_no_answer",
    "CONNECT": "answered",
    "COMPLETEAGENT": "conversation_ended",
    "COMPLETECALLER": "conversation_ended",
    "BLINDTRANSFER": "transferred",
    "ATTENDEDTRANSFER": "transferred",
    "ABANDON": "abandoned",
    "EXITWITHTIMEOUT": "left_queue",
    "EXITEMPTY": "left_queue",
    "EXITWITHKEY": "left_queue",
    "RINGCANCELED": "offered",  # the caller hung up while a seat rang (see _row_steps)
}
# queue_log events after which the caller's line is over (no "c" option on Queue(): the
# caller is hung up with the conversation), used when no CEL row tells the line's end.
ENDS_THE_LINE = frozenset({"COMPLETEAGENT", "COMPLETECALLER", "ABANDON"})


def _sequence(callid: str) -> tuple[int, int] | None:
    head, _, tail = callid.rpartition(".")
    if not head.isdigit() or not tail.isdigit():
        return None
    return int(head), int(tail)


def local_one(callid: str) -> list[str]:
    """The Uniqueids the ``;1`` leg of the Local channel whose ``;2`` is ``callid`` may have."""
    found = _sequence(callid)
    if found is None or found[1] == 0:
        return []
    epoch, n = found
    return [f"{epoch}.{n - 1}", f"{epoch - 1}.{n - 1}"]


def resolve_call_ids(
    callids: Iterable[str],
    cel: Sequence[CelRow],
    known: Iterable[str],
    leg: CallerLeg = CallerLeg.AUTO,
) -> dict[str, str]:
    """Each queue_log callid's Linkedid: CEL's word first, then a call callcenter knows
    (itself or its Local ;1 leg), then the rule (``leg``; ``auto``: what the known calls
    showed, ``channel`` when they showed nothing)."""
    by_uniqueid = {row.uniqueid: row.linkedid for row in cel if row.uniqueid and row.linkedid}
    known_ids = set(known)
    out: dict[str, str] = {}
    votes = {CallerLeg.CHANNEL: 0, CallerLeg.LOCAL: 0}
    undecided: list[str] = []
    for callid in dict.fromkeys(callids):
        if not callid or callid == "NONE":
            continue
        if callid in by_uniqueid:
            out[callid] = by_uniqueid[callid]
        elif callid in known_ids:
            out[callid] = callid
            votes[CallerLeg.CHANNEL] += 1
        elif match := next((c for c in local_one(callid) if c in known_ids), None):
            out[callid] = match
            votes[CallerLeg.LOCAL] += 1
        else:
            undecided.append(callid)
    rule = leg
    if rule is CallerLeg.AUTO:
        local = votes[CallerLeg.LOCAL] > votes[CallerLeg.CHANNEL]
        rule = CallerLeg.LOCAL if local else CallerLeg.CHANNEL
    for callid in undecided:
        candidates = local_one(callid) if rule is CallerLeg.LOCAL else []
        out[callid] = candidates[0] if candidates else callid
    return out


def calls_from(
    records: PbxRecords, call_ids: Mapping[str, str], *, inbound_context: str = "from-pstn"
) -> list[PbxCall]:
    """The PBX's story of each call the records name (``call_ids``: callid -> Linkedid,
    from ``resolve_call_ids``), oldest first: every call with queue_log rows, and every call
    whose first channel CEL shows starting in ``inbound_context`` (the trunk's context: a
    caller who hung up before the queue, or on the overflow path after finding it full, has
    no queue_log row at all). The call's start is its first channel's CHAN_START (else its
    first queue_log row); its line's end the LINKEDID_END (else, without CEL, the queue_log
    event that ends Queue() with the line)."""
    rows: dict[str, list[QueueLogRow]] = {}
    for row in records.queue_log:
        if row.event in QUEUE_EVENTS and row.callid in call_ids:
            rows.setdefault(call_ids[row.callid], []).append(row)
    inbound = {
        c.linkedid
        for c in records.cel
        if c.eventtype == "CHAN_START" and c.uniqueid == c.linkedid and c.context == inbound_context
    }
    cel: dict[str, list[CelRow]] = {}
    for c in records.cel:
        if c.linkedid in rows or c.linkedid in inbound:
            cel.setdefault(c.linkedid, []).append(c)
    out = [
        _call(lid, sorted(rows.get(lid, []), key=lambda r: r.time), cel.get(lid, []))
        for lid in set(rows) | inbound
    ]
    return sorted(out, key=lambda c: (c.started_at or datetime.max, c.call_id))


def _duration(text: str, unit: str) -> timedelta:
    try:
        return timedelta(**{unit: max(0, int(text.strip() or 0))})
    except ValueError:
        return timedelta(0)


def _row_steps(r: QueueLogRow, queued_at: datetime) -> list[tuple[str, datetime, dict[str, str]]]:
    """The steps one queue_log row stands for, as the live stream shows them. Asterisk writes
    no row for AgentCalled nor QueueCallerLeave, but every ring ends in a RINGNOANSWER (ring
    ms in data1), RINGCANCELED (ms rung) or CONNECT (ring seconds in data3) row, and the
    caller leaves the queue with its CONNECT (QueueCallerLeave, then AgentConnect) or ABANDON
    (QueueCallerAbandon, then QueueCallerLeave). A ring's start is never put before the
    caller joined the queue."""
    values = {"data1": r.data1, "data2": r.data2, "data3": r.data3, "data4": r.data4}
    own = {**values, "event": r.event}

    def rang(length: timedelta) -> tuple[str, datetime, dict[str, str]]:
        return ("offered", max(r.time - length, queued_at), {"event": r.event})

    match r.event:
        case "RINGNOANSWER":
            ring = _duration(r.data1, "milliseconds")
            return (
                [rang(ring), ("ring_no_answer", r.time, own)]
                if ring
                else [("ring_no_answer", r.time, own)]
            )
        case "RINGCANCELED":
            return [rang(_duration(r.data1, "milliseconds"))]
        case "CONNECT":
            ring = _duration(r.data3, "seconds")
            return [
                rang(ring),
                ("left_queue", r.time, {"event": r.event}),
                ("answered", r.time, own),
            ]
        case "ABANDON":
            return [("abandoned", r.time, own), ("left_queue", r.time, own)]
    return [(QUEUE_EVENTS[r.event], r.time, own)]


def _call(lid: str, rows: list[QueueLogRow], cel: list[CelRow]) -> PbxCall:
    counts: dict[str, int] = {}

    def step(kind: str, at: datetime, **kw: object) -> PbxStep:
        counts[kind] = counts.get(kind, 0) + 1
        return PbxStep(kind=kind, at=at, nth=counts[kind], **kw)  # type: ignore[arg-type]

    first = next((c for c in cel if c.eventtype == "CHAN_START" and c.uniqueid == lid), None)
    enter = next((r for r in rows if r.event == "ENTERQUEUE"), None)
    numbers = [c.cid_num for c in cel if c.uniqueid == lid and c.cid_num]
    caller = (enter.data2 if enter else "") or (numbers[0] if numbers else "")
    steps = [step("entered", first.eventtime if first else rows[0].time)]
    queued_at = enter.time if enter else steps[0].at
    found: list[tuple[datetime, int, str, QueueLogRow, dict[str, str]]] = []
    for r in rows:
        for kind, at, values in _row_steps(r, queued_at):
            found.append((at, len(found), kind, r, values))
    for at, _n, kind, r, values in sorted(found, key=lambda f: (f[0], f[1])):
        seat = r.agent if r.agent != "NONE" else ""
        steps.append(step(kind, at, queue=r.queuename, seat=seat, values=values))
    end = next((c.eventtime for c in cel if c.eventtype == "LINKEDID_END"), None)
    if end is None and not cel and rows and rows[-1].event in ENDS_THE_LINE:
        end = rows[-1].time
    if end is not None:
        steps.append(step("line_ended", max(end, steps[-1].at)))
    return PbxCall(call_id=lid, caller=caller, steps=tuple(steps), ended_at=end)
