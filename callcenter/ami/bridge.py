"""The bridge's state machine: AMI frames in arrival order -> domain events for the runner.

Synchronous and I/O-free: the live protocol and ``ingest`` both call ``on_frame`` for every
frame, in arrival order, and the bridge hands what it means to ``emit`` (the ordered runner's
``put_nowait``) in that same order. It owns what only the AMI layer knows:

- the live channels of each call (``Linkedid``): Newchannel adds, Hangup removes; the hang-up
  of the last one is ``LineEnded``; a QueueStatus/CoreShowChannels snapshot re-seeds them;
- ``CallEntered`` is held back until the first leg's caller ID is known (in its Newchannel, a
  NewCallerid, or the queue join) or anything else happens to the call, so the timeline starts
  with one clean step, handed over before Asterisk runs the FastAGI (after ``Answer()``) so
  that ``entered`` comes before callcenter's ``entry_decision``;
- the seat board (QueueMember*, Agent*, the seat leg's Hangup, QueueStatus rebuild);
- the reconciliation after a (re)connection: each call in the CoreShowChannels snapshot gets a
  ``PbxCallView`` (the runner infers what we missed), each call we followed that the snapshot
  no longer shows gets a ``LostCallView``, with the gap (disconnect -> snapshot) recorded;
  a call new to us whose first leg is a seat's channel (a call-back placed during the gap, or
  one we already kept apart) stays apart as the seat's own call, as on the live path, and those
  kept apart that the snapshot no longer shows are forgotten (the seat board is rebuilt from
  QueueStatus first: the client asks it before CoreShowChannels and the replies come in order);
  then ``on_resynced`` (the room's reconciliation with the PBX's own records, ``pbxlog/``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from callcenter.ami import facts as f
from callcenter.ami.callback_watch import CallbackWatch
from callcenter.ami.callerid import clean, to_e164
from callcenter.ami.frames import Frame
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.ami.translate import Translator
from callcenter.domain.events import (
    CallAnswered,
    CallEntered,
    CallerLeftQueue,
    CallerQueued,
    CallEvent,
    Clock,
    ConversationEnded,
    LineEnded,
)
from callcenter.domain.resync import OTHER, TALKING, WAITING, LostCallView, PbxCallView

Item = CallEvent | PbxCallView | LostCallView
Emit = Callable[[Item], None]


@dataclass
class _Pending:
    stamp: f.Stamp
    channel: str
    caller: str


@dataclass
class BridgeStats:
    frames: int = 0
    emitted: int = 0
    resyncs: int = 0
    lost: int = 0
    lag_ms_last: float = 0.0
    lag_ms_max: float = 0.0
    clocks: dict[str, int] = field(default_factory=dict)


class Bridge:
    def __init__(
        self,
        emit: Emit,
        seats: LiveSeatBoard,
        *,
        translator: Translator | None = None,
        region: str = "MA",
        offline: bool = False,
        on_booted: Callable[[], None] | None = None,
        on_resynced: Callable[[], None] | None = None,
    ) -> None:
        self.emit = emit
        self.seats = seats
        self.translator = translator or Translator()
        self.region = region
        self.offline = offline  # ingest: "now" is the recording's last timestamp
        self.on_booted = on_booted
        # called once a snapshot's resync items are emitted: the reconciliation with the
        # PBX's own records (callcenter/pbxlog/) follows them
        self.on_resynced = on_resynced
        self.stats = BridgeStats()
        self._legs: dict[str, set[str]] = {}
        # Calls a seat's own phone placed (a call-back, an outside call): never line-19 callers
        self._outside: dict[str, set[str]] = {}
        self._outside_seat: dict[str, tuple[str, str]] = {}  # its seat and the seat's channel
        self.callbacks = CallbackWatch(seats.name_for_channel)
        self._leg_call: dict[str, str] = {}
        self._pending: dict[str, _Pending] = {}
        self._gap_started: datetime | None = None
        self._adopted: set[str] = set()
        self._seat_call: dict[str, str] = {}  # seat -> the call it last answered
        self._channels: dict[str, f.CallChannels] = {}
        self._last_at: datetime | None = None
        self._snap_members: list[f.MemberState] = []
        self._snap_entries: dict[str, f.SnapshotEntry] = {}
        self._snap_channels: list[f.SnapshotChannel] = []
        self._left_queue: set[str] = set()  # calls out of the queue, not (yet) answered

    # -- inputs -------------------------------------------------------------------------

    def on_frame(self, frame: Frame, received_at: datetime) -> None:
        self.stats.frames += 1
        for fact in self.translator.translate(frame, received_at):
            self._on_fact(fact)

    def disconnected(self, at: datetime | None = None) -> None:
        """The AMI connection is gone (or, offline, a recording ended): a gap starts."""
        if self._gap_started is None:
            self._gap_started = at or self._last_at
        self._snap_members.clear()
        self._snap_entries.clear()
        self._snap_channels.clear()

    def adopt(self, call_ids: set[str], since: datetime) -> None:
        """Calls a previous run left live in the database: the next snapshot confirms them
        (``resynced``, missing steps inferred) or declares them ``lost``; the gap starts at
        ``since`` (when that run stopped listening, or our start if unknown)."""
        self._adopted |= call_ids - set(self._legs)
        if call_ids and self._gap_started is None:
            self._gap_started = since

    def call_channels(self, call_id: str) -> f.CallChannels | None:
        """Where to act on a live call: its caller leg and its seat's leg (None once ended)."""
        return self._channels.get(call_id)

    def seat_channel(self, interface: str) -> str | None:
        """The live channel of the call a seat (named by its interface) is in, if any: a
        caller's, else a call the seat's phone placed (a call-back)."""
        for seat in self.seats.seats():
            if seat.interface == interface and seat.call_id:
                channels = self._channels.get(seat.call_id)
                return channels.seat or None if channels else None
        for name, channel in self._outside_seat.values():
            placed = self.seats.seat(name)
            if placed is not None and placed.interface == interface:
                return channel
        return None

    def live_calls(self) -> set[str]:
        return set(self._legs)

    # -- facts --------------------------------------------------------------------------

    def _on_fact(self, fact: f.Fact) -> None:
        if isinstance(fact, CallEvent):
            self._flush(fact.call_id)
            if isinstance(fact, CallerQueued) and fact.channel:
                self._channels[fact.call_id] = f.CallChannels(
                    call_id=fact.call_id, caller=fact.channel
                )
            self._send(fact)
        elif isinstance(fact, f.ChannelOpened):
            self._opened(fact)
        elif isinstance(fact, f.OriginateAnswered | f.DialEnded):
            self._seen(fact.stamp)
            if isinstance(fact, f.OriginateAnswered) and fact.success and fact.reason == "4":
                name = self.seats.name_for_channel(fact.channel)
                if name is not None:  # the seat picked up the call it placed
                    self.seats.own_call_answered(name, fact.uniqueid)
            watch = self.callbacks
            ended = (
                watch.answered(fact)
                if isinstance(fact, f.OriginateAnswered)
                else watch.dial_ended(fact)
            )
            if ended is not None:
                self._send(ended)
        elif isinstance(fact, f.CallerIdChanged):
            lid = self._leg_call.get(fact.uniqueid)
            pending = self._pending.get(lid) if lid else None
            if pending is not None and not clean(pending.caller):
                pending.caller = fact.caller_num
            if pending is not None and lid and clean(pending.caller):
                self._flush(lid)
        elif isinstance(fact, f.ChannelClosed):
            self._closed(fact)
        elif isinstance(fact, f.MemberState):
            if fact.listed:
                self._snap_members.append(fact)
            else:
                self.seats.member(fact)
        elif isinstance(fact, f.SeatRinging):
            self.seats.ringing(fact.name, fact.call_id)
        elif isinstance(fact, f.SeatConnected):
            self._seat_call[fact.name] = fact.call_id
            known = self._channels.get(fact.call_id) or f.CallChannels(call_id=fact.call_id)
            self._channels[fact.call_id] = replace(known, seat=fact.seat_channel)
            self.seats.connected(fact.name, fact.call_id, fact.seat_uniqueid)
        elif isinstance(fact, f.OrphanConversationEnded):
            self._orphan_complete(fact)
        elif isinstance(fact, f.SeatReleased):
            self.seats.released(fact.name)
        elif isinstance(fact, f.SnapshotEntry):
            self._snap_entries[fact.uniqueid] = fact
        elif isinstance(fact, f.SnapshotChannel):
            self._snap_channels.append(fact)
        elif isinstance(fact, f.SnapshotDone):
            if fact.what == "queues":
                self.seats.rebuild(self._snap_members)
                self._snap_members = []
            else:
                self._reconcile(fact.received_at)
        elif isinstance(fact, f.Booted) and self.on_booted is not None:
            self.on_booted()

    def _opened(self, o: f.ChannelOpened) -> None:
        self._seen(o.stamp)
        outside = self._outside.get(o.linkedid)
        # a call placed from a seat's phone (its first leg is the seat's channel): the room's
        # call-back or an outside call, not a caller of line 19
        if (
            outside is None
            and o.uniqueid == o.linkedid
            and o.linkedid not in self._legs
            and self.seats.name_for_channel(o.channel) is not None
        ):
            outside = self._outside[o.linkedid] = set()
            self._outside_seat[o.linkedid] = (
                self.seats.name_for_channel(o.channel) or "",
                o.channel,
            )
        if outside is not None:
            outside.add(o.uniqueid)
            return
        legs = self._legs.get(o.linkedid)
        if legs is None:
            legs = self._legs[o.linkedid] = set()
            if o.uniqueid == o.linkedid:
                self._pending[o.linkedid] = _Pending(o.stamp, o.channel, o.caller_num)
        legs.add(o.uniqueid)
        self._leg_call[o.uniqueid] = o.linkedid
        if o.uniqueid == o.linkedid and clean(o.caller_num):  # a trunk channel knows its caller
            self._flush(o.linkedid)

    def _closed(self, c: f.ChannelClosed) -> None:
        self._seen(c.stamp)
        outside = self._outside.get(c.linkedid)
        if outside is not None:
            self.seats.leg_hung_up(c.uniqueid)
            outside.discard(c.uniqueid)
            if not outside:
                del self._outside[c.linkedid]
                self._outside_seat.pop(c.linkedid, None)
            return
        self._flush(c.linkedid)
        self.seats.leg_hung_up(c.uniqueid)
        self._leg_call.pop(c.uniqueid, None)
        legs = self._legs.get(c.linkedid)
        if legs is None:
            return  # a call we never saw start (and no snapshot told us about): nothing to end
        legs.discard(c.uniqueid)
        if legs:
            return
        del self._legs[c.linkedid]
        self._channels.pop(c.linkedid, None)
        s = c.stamp
        self._send(
            LineEnded(
                call_id=c.linkedid,
                **s.event_fields(),
                cause=c.cause,
            )
        )

    def _orphan_complete(self, o: f.OrphanConversationEnded) -> None:
        call_id = self._seat_call.get(o.seat)
        if call_id is None:
            self.translator.stats.unparsable += 1  # no way to tell whose conversation it was
            return
        s = o.stamp
        self._send(
            ConversationEnded(
                call_id=call_id,
                **s.event_fields(),
                queue=o.queue,
                seat=o.seat,
                hold_seconds=o.hold_seconds,
                talk_seconds=o.talk_seconds,
                reason=o.reason,
                orphan=True,
            )
        )

    def _flush(self, call_id: str) -> None:
        pending = self._pending.pop(call_id, None)
        if pending is None:
            return
        s = pending.stamp
        self._send(
            CallEntered(
                call_id=call_id,
                **s.event_fields(),
                caller_raw=clean(pending.caller),
                caller_e164=to_e164(pending.caller, self.region),
                channel=pending.channel,
            )
        )

    def _send(self, item: Item) -> None:
        if isinstance(item, CallEvent):
            self._seen_event(item)
        self.stats.emitted += 1
        self.emit(item)

    def _seen(self, stamp: f.Stamp) -> None:
        if stamp.clock is Clock.PBX and (self._last_at is None or stamp.at > self._last_at):
            self._last_at = stamp.at

    def _seen_event(self, e: CallEvent) -> None:
        if isinstance(e, CallerLeftQueue):
            self._left_queue.add(e.call_id)
        elif isinstance(e, CallerQueued | CallAnswered):
            self._left_queue.discard(e.call_id)
        self.stats.clocks[e.clock.value] = self.stats.clocks.get(e.clock.value, 0) + 1
        if e.clock is Clock.PBX:
            if self._last_at is None or e.at > self._last_at:
                self._last_at = e.at
            if not self.offline:
                lag = (e.received_at - e.at).total_seconds() * 1000
                self.stats.lag_ms_last = lag
                self.stats.lag_ms_max = max(self.stats.lag_ms_max, lag)

    # -- reconciliation -------------------------------------------------------------------

    def _reconcile(self, received_at: datetime) -> None:
        self.stats.resyncs += 1
        now = (self._last_at or received_at) if self.offline else received_at
        had_gap = self._gap_started is not None
        gap_started = self._gap_started or now
        gap_ended = max(now, gap_started)
        channels, entries = self._snap_channels, self._snap_entries
        self._snap_channels, self._snap_entries = [], {}
        self._gap_started = None

        digest = hashlib.blake2b(digest_size=12)
        for ch in sorted(channels, key=lambda c: c.uniqueid):
            digest.update(f"{ch.uniqueid}\0{ch.duration}\0{ch.bridge_id}\n".encode())
        snapshot_id = "resync-" + digest.hexdigest()

        by_call: dict[str, list[f.SnapshotChannel]] = {}
        by_bridge: dict[str, list[f.SnapshotChannel]] = {}
        for ch in channels:
            by_call.setdefault(ch.linkedid, []).append(ch)
            if ch.bridge_id:
                by_bridge.setdefault(ch.bridge_id, []).append(ch)

        known = set(self._legs) | self._adopted
        self._adopted = set()
        # calls a seat's phone placed (call-backs) stay apart, never line-19 callers; those
        # the snapshot no longer shows ended during the gap
        outside_seat = self._outside_seat
        self._outside, self._outside_seat = {}, {}
        for lid, chans in sorted(by_call.items()):
            seat = None if lid in known else outside_seat.get(lid) or self._placed(lid, chans)
            if seat is not None:
                self._outside[lid] = {ch.uniqueid for ch in by_call.pop(lid)}
                self._outside_seat[lid] = seat
        for lid in sorted(known - set(by_call)):
            self._flush(lid)
            self.stats.lost += 1
            self._send(
                LostCallView(
                    call_id=lid,
                    source_id=snapshot_id,
                    gap_started=gap_started,
                    gap_ended=gap_ended,
                    received_at=received_at,
                )
            )
        self._legs = {lid: {ch.uniqueid for ch in chans} for lid, chans in by_call.items()}
        self._leg_call = {ch.uniqueid: lid for lid, chans in by_call.items() for ch in chans}
        self._pending = {k: v for k, v in self._pending.items() if k in self._legs}
        self._left_queue &= set(self._legs)
        self._channels = {k: v for k, v in self._channels.items() if k in self._legs}

        for lid, chans in sorted(by_call.items()):
            caller = next((c for c in chans if c.queue), None)
            if caller is None and lid not in known:
                continue  # not a queue call we know of
            if lid in known and not had_gap:
                continue  # followed live without interruption: nothing to confirm
            self._flush(lid)
            view = self._view(lid, chans, caller, by_bridge, entries)
            self._send(
                PbxCallView(
                    call_id=lid,
                    source_id=snapshot_id,
                    gap_started=gap_started,
                    gap_ended=gap_ended,
                    received_at=received_at,
                    **view,
                )
            )
        if self.on_resynced is not None:
            self.on_resynced()

    def _placed(self, lid: str, chans: list[f.SnapshotChannel]) -> tuple[str, str] | None:
        """The seat (and its channel) whose phone placed call ``lid``: its first leg is on
        the seat's interface (the seat board is rebuilt from QueueStatus just before)."""
        first = next((c for c in chans if c.uniqueid == lid), None)
        name = self.seats.name_for_channel(first.channel) if first is not None else None
        return (name, first.channel) if name is not None and first is not None else None

    def _view(
        self,
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
            "left_queue_seen": lid in self._left_queue,
        }
        if caller is None:
            return view
        view["queue"] = caller.queue
        self._channels[lid] = f.CallChannels(call_id=lid, caller=caller.channel)
        if not caller.bridge_id:
            entry = entries.get(caller.uniqueid)
            view["pbx_state"] = WAITING
            view["position"] = entry.position if entry else None
            view["wait_seconds"] = entry.wait if entry else None
            for other in chans:  # a seat's phone ringing for the caller (AgentCalled)
                name = self.seats.name_for_channel(other.channel)
                if other is not caller and name is not None:
                    view["ringing_seat"], view["ring_seconds"] = name, other.duration
                    break
            return view
        view["pbx_state"] = TALKING
        for other in by_bridge.get(caller.bridge_id, []):
            name = self.seats.name_for_channel(other.channel)
            if other is not caller and name is not None:
                view["seat"] = name
                view["ringing_seat"], view["ring_seconds"] = name, other.duration
                self.seats.connected(name, lid, other.uniqueid)
                self._seat_call[name] = lid
                self._channels[lid] = replace(self._channels[lid], seat=other.channel)
                break
        return view
