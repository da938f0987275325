"""The bridge's resync after a (re)connection: the PBX's snapshot against what it followed.

Synchronous and I/O-free, like the bridge that calls it once a CoreShowChannels answer is
complete (the seat board was rebuilt from QueueStatus first: the client asks it before
CoreShowChannels and the replies come in order). It promises, in this order on ``send``:

- each call we followed (or adopted from a previous run) that the snapshot no longer shows
  gets a ``LostCallView``, with the gap (disconnect -> snapshot) recorded;
- each call in the snapshot that waits in or was answered from the queue gets a
  ``PbxCallView`` (the runner infers what we missed), unless we followed it live without
  interruption; a call we know gets one too, even out of the queue;
- a call new to us whose first leg is a seat's channel (a call-back placed during the gap, or
  one we already kept apart) stays apart as the seat's own call, as on the live path, and
  those kept apart that the snapshot no longer shows are forgotten;
- a call's held-back ``CallEntered`` is sent before its view;
- the bridge's tables (``CallTables``) are rebuilt from the snapshot, and the seats found
  talking in a caller's bridge are marked connected on the board.

The snapshot's id (a digest of its channels) is every view's ``source_id``: the same snapshot
replayed adds nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from callcenter.ami import facts as f
from callcenter.ami.callerid import clean
from callcenter.ami.legs import CallTables, Emit
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.domain.resync import OTHER, TALKING, WAITING, LostCallView, PbxCallView


@dataclass
class Snapshot:
    """A QueueStatus + CoreShowChannels answer, gathered until its ``*Complete``."""

    members: list[f.MemberState] = field(default_factory=list)
    entries: dict[str, f.SnapshotEntry] = field(default_factory=dict)
    channels: list[f.SnapshotChannel] = field(default_factory=list)

    def clear(self) -> None:
        self.members.clear()
        self.entries.clear()
        self.channels.clear()


def resync(
    calls: CallTables,
    channels: list[f.SnapshotChannel],
    entries: dict[str, f.SnapshotEntry],
    seats: LiveSeatBoard,
    send: Emit,
    *,
    gap_started: datetime | None,
    now: datetime,
    received_at: datetime,
    region: str,
) -> int:
    """Reconcile ``calls`` with the snapshot (see the module's doc); returns the calls lost.
    ``gap_started`` None: no gap (the snapshot was asked while we were connected)."""
    had_gap = gap_started is not None
    started = gap_started or now
    gap: dict[str, Any] = {
        "gap_started": started,
        "gap_ended": max(now, started),
        "received_at": received_at,
    }
    snapshot_id = _snapshot_id(channels)

    def flush(call_id: str) -> None:
        pending = calls.pending.pop(call_id, None)
        if pending is not None:
            send(pending.entered(call_id, region))

    by_call: dict[str, list[f.SnapshotChannel]] = {}
    by_bridge: dict[str, list[f.SnapshotChannel]] = {}
    for ch in channels:
        by_call.setdefault(ch.linkedid, []).append(ch)
        if ch.bridge_id:
            by_bridge.setdefault(ch.bridge_id, []).append(ch)

    known = set(calls.legs) | calls.adopted
    calls.adopted = set()
    # calls a seat's phone placed (call-backs) stay apart, never line-19 callers; those
    # the snapshot no longer shows ended during the gap
    outside_seat = calls.outside_seat
    calls.outside, calls.outside_seat = {}, {}
    for lid, chans in sorted(by_call.items()):
        seat = None if lid in known else outside_seat.get(lid) or _placed(seats, lid, chans)
        if seat is not None:
            calls.outside[lid] = {ch.uniqueid for ch in by_call.pop(lid)}
            calls.outside_seat[lid] = seat
    lost = 0
    for lid in sorted(known - set(by_call)):
        flush(lid)
        lost += 1
        send(LostCallView(call_id=lid, source_id=snapshot_id, **gap))
    calls.legs = {lid: {ch.uniqueid for ch in chans} for lid, chans in by_call.items()}
    calls.leg_call = {ch.uniqueid: lid for lid, chans in by_call.items() for ch in chans}
    calls.pending = {k: v for k, v in calls.pending.items() if k in calls.legs}
    calls.left_queue &= set(calls.legs)
    calls.channels = {k: v for k, v in calls.channels.items() if k in calls.legs}

    for lid, chans in sorted(by_call.items()):
        caller = next((c for c in chans if c.queue), None)
        if caller is None and lid not in known:
            continue  # not a queue call we know of
        if lid in known and not had_gap:
            continue  # followed live without interruption: nothing to confirm
        flush(lid)
        view = _view(calls, seats, lid, chans, caller, by_bridge, entries)
        send(PbxCallView(call_id=lid, source_id=snapshot_id, **gap, **view))
    return lost


def _snapshot_id(channels: list[f.SnapshotChannel]) -> str:
    digest = hashlib.blake2b(digest_size=12)
    for ch in sorted(channels, key=lambda c: c.uniqueid):
        digest.update(f"{ch.uniqueid}\0{ch.duration}\0{ch.bridge_id}\n".encode())
    return "resync-" + digest.hexdigest()


def _placed(
    seats: LiveSeatBoard, lid: str, chans: list[f.SnapshotChannel]
) -> tuple[str, str] | None:
    """The seat (and its channel) whose phone placed call ``lid``: its first leg is on
    the seat's interface (the seat board is rebuilt from QueueStatus just before)."""
    first = next((c for c in chans if c.uniqueid == lid), None)
    name = seats.name_for_channel(first.channel) if first is not None else None
    return (name, first.channel) if name is not None and first is not None else None


def _view(
    calls: CallTables,
    seats: LiveSeatBoard,
    lid: str,
    chans: list[f.SnapshotChannel],
    caller: f.SnapshotChannel | None,
    by_bridge: dict[str, list[f.SnapshotChannel]],
    entries: dict[str, f.SnapshotEntry],
) -> dict[str, Any]:
    first = next((c for c in chans if c.uniqueid == lid), caller or chans[0])
    view: dict[str, Any] = {
        "pbx_state": OTHER,
        "caller_raw": clean(first.caller_num),
        "age_seconds": max(c.duration for c in chans),
        "left_queue_seen": lid in calls.left_queue,
    }
    if caller is None:
        return view
    view["queue"] = caller.queue
    calls.channels[lid] = f.CallChannels(call_id=lid, caller=caller.channel)
    if not caller.bridge_id:
        entry = entries.get(caller.uniqueid)
        view["pbx_state"] = WAITING
        view["position"] = entry.position if entry else None
        view["wait_seconds"] = entry.wait if entry else None
        for other in chans:  # a seat's phone ringing for the caller (AgentCalled)
            name = seats.name_for_channel(other.channel)
            if other is not caller and name is not None:
                view["ringing_seat"], view["ring_seconds"] = name, other.duration
                break
        return view
    view["pbx_state"] = TALKING
    for other in by_bridge.get(caller.bridge_id, []):
        name = seats.name_for_channel(other.channel)
        if other is not caller and name is not None:
            view["seat"] = name
            view["ringing_seat"], view["ring_seconds"] = name, other.duration
            seats.connected(name, lid, other.uniqueid)
            calls.seat_call[name] = lid
            calls.channels[lid] = replace(calls.channels[lid], seat=other.channel)
            break
    return view
