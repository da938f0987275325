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
- the reconciliation after a (re)connection (``ami/resync.py``): the QueueStatus and
  CoreShowChannels snapshot is gathered here, then the calls we followed are reconciled with
  it (``PbxCallView`` / ``LostCallView`` for the runner, the tables rebuilt); then
  ``on_resynced`` (the room's reconciliation with the PBX's own records, ``pbxlog/``).

The tables of followed calls are ``ami/legs.py``'s ``CallTables``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from callcenter.ami import facts as f
from callcenter.ami.callback_watch import CallbackWatch
from callcenter.ami.callerid import clean
from callcenter.ami.frames import Frame
from callcenter.ami.legs import CallTables, Emit, Item, Pending
from callcenter.ami.resync import Snapshot, resync
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.ami.translate import Translator
from callcenter.domain.events import (
    CallAnswered,
    CallerLeftQueue,
    CallerQueued,
    CallEvent,
    Clock,
    ConversationEnded,
    LineEnded,
)

__all__ = ["Bridge", "BridgeStats", "Emit", "Item"]


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
        self._calls = CallTables()
        self.callbacks = CallbackWatch(seats.name_for_channel)
        self._gap_started: datetime | None = None
        self._last_at: datetime | None = None
        self._snapshot = Snapshot()

    # -- inputs -------------------------------------------------------------------------

    def on_frame(self, frame: Frame, received_at: datetime) -> None:
        self.stats.frames += 1
        for fact in self.translator.translate(frame, received_at):
            self._on_fact(fact)

    def disconnected(self, at: datetime | None = None) -> None:
        """The AMI connection is gone (or, offline, a recording ended): a gap starts."""
        if self._gap_started is None:
            self._gap_started = at or self._last_at
        self._snapshot.clear()

    def adopt(self, call_ids: set[str], since: datetime) -> None:
        """Calls a previous run left live in the database: the next snapshot confirms them
        (``resynced``, missing steps inferred) or declares them ``lost``; the gap starts at
        ``since`` (when that run stopped listening, or our start if unknown)."""
        self._calls.adopted |= call_ids - set(self._calls.legs)
        if call_ids and self._gap_started is None:
            self._gap_started = since

    def call_channels(self, call_id: str) -> f.CallChannels | None:
        """Where to act on a live call: its caller leg and its seat's leg (None once ended)."""
        return self._calls.channels.get(call_id)

    def seat_channel(self, interface: str) -> str | None:
        """The live channel of the call a seat (named by its interface) is in, if any: a
        caller's, else a call the seat's phone placed (a call-back)."""
        for seat in self.seats.seats():
            if seat.interface == interface and seat.call_id:
                channels = self._calls.channels.get(seat.call_id)
                return channels.seat or None if channels else None
        for name, channel in self._calls.outside_seat.values():
            placed = self.seats.seat(name)
            if placed is not None and placed.interface == interface:
                return channel
        return None

    def live_calls(self) -> set[str]:
        return set(self._calls.legs)

    # -- facts --------------------------------------------------------------------------

    def _on_fact(self, fact: f.Fact) -> None:
        if isinstance(fact, CallEvent):
            self._flush(fact.call_id)
            if isinstance(fact, CallerQueued) and fact.channel:
                self._calls.channels[fact.call_id] = f.CallChannels(
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
            lid = self._calls.leg_call.get(fact.uniqueid)
            pending = self._calls.pending.get(lid) if lid else None
            if pending is not None and not clean(pending.caller):
                pending.caller = fact.caller_num
            if pending is not None and lid and clean(pending.caller):
                self._flush(lid)
        elif isinstance(fact, f.ChannelClosed):
            self._closed(fact)
        elif isinstance(fact, f.MemberState):
            if fact.listed:
                self._snapshot.members.append(fact)
            else:
                self.seats.member(fact)
        elif isinstance(fact, f.SeatRinging):
            self.seats.ringing(fact.name, fact.call_id)
        elif isinstance(fact, f.SeatConnected):
            self._calls.seat_call[fact.name] = fact.call_id
            known = self._calls.channels.get(fact.call_id) or f.CallChannels(call_id=fact.call_id)
            self._calls.channels[fact.call_id] = replace(known, seat=fact.seat_channel)
            self.seats.connected(fact.name, fact.call_id, fact.seat_uniqueid)
        elif isinstance(fact, f.OrphanConversationEnded):
            self._orphan_complete(fact)
        elif isinstance(fact, f.SeatReleased):
            self.seats.released(fact.name)
        elif isinstance(fact, f.SnapshotEntry):
            self._snapshot.entries[fact.uniqueid] = fact
        elif isinstance(fact, f.SnapshotChannel):
            self._snapshot.channels.append(fact)
        elif isinstance(fact, f.SnapshotDone):
            if fact.what == "queues":
                self.seats.rebuild(self._snapshot.members)
                self._snapshot.members = []
            else:
                self._reconcile(fact.received_at)
        elif isinstance(fact, f.Booted) and self.on_booted is not None:
            self.on_booted()

    def _opened(self, o: f.ChannelOpened) -> None:
        self._seen(o.stamp)
        outside = self._calls.outside.get(o.linkedid)
        # a call placed from a seat's phone (its first leg is the seat's channel): the room's
        # call-back or an outside call, not a caller of line 19
        if (
            outside is None
            and o.uniqueid == o.linkedid
            and o.linkedid not in self._calls.legs
            and self.seats.name_for_channel(o.channel) is not None
        ):
            outside = self._calls.outside[o.linkedid] = set()
            self._calls.outside_seat[o.linkedid] = (
                self.seats.name_for_channel(o.channel) or "",
                o.channel,
            )
        if outside is not None:
            outside.add(o.uniqueid)
            return
        legs = self._calls.legs.get(o.linkedid)
        if legs is None:
            legs = self._calls.legs[o.linkedid] = set()
            if o.uniqueid == o.linkedid:
                self._calls.pending[o.linkedid] = Pending(o.stamp, o.channel, o.caller_num)
        legs.add(o.uniqueid)
        self._calls.leg_call[o.uniqueid] = o.linkedid
        if o.uniqueid == o.linkedid and clean(o.caller_num):  # a trunk channel knows its caller
            self._flush(o.linkedid)

    def _closed(self, c: f.ChannelClosed) -> None:
        self._seen(c.stamp)
        outside = self._calls.outside.get(c.linkedid)
        if outside is not None:
            self.seats.leg_hung_up(c.uniqueid)
            outside.discard(c.uniqueid)
            if not outside:
                del self._calls.outside[c.linkedid]
                self._calls.outside_seat.pop(c.linkedid, None)
            return
        self._flush(c.linkedid)
        self.seats.leg_hung_up(c.uniqueid)
        self._calls.leg_call.pop(c.uniqueid, None)
        legs = self._calls.legs.get(c.linkedid)
        if legs is None:
            return  # a call we never saw start (and no snapshot told us about): nothing to end
        legs.discard(c.uniqueid)
        if legs:
            return
        del self._calls.legs[c.linkedid]
        self._calls.channels.pop(c.linkedid, None)
        s = c.stamp
        self._send(
            LineEnded(
                call_id=c.linkedid,
                **s.event_fields(),
                cause=c.cause,
            )
        )

    def _orphan_complete(self, o: f.OrphanConversationEnded) -> None:
        call_id = self._calls.seat_call.get(o.seat)
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
        pending = self._calls.pending.pop(call_id, None)
        if pending is not None:
            self._send(pending.entered(call_id, self.region))

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
            self._calls.left_queue.add(e.call_id)
        elif isinstance(e, CallerQueued | CallAnswered):
            self._calls.left_queue.discard(e.call_id)
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
        snap = self._snapshot
        channels, entries = snap.channels, snap.entries
        snap.channels, snap.entries = [], {}
        gap_started, self._gap_started = self._gap_started, None
        self.stats.lost += resync(
            self._calls,
            channels,
            entries,
            self.seats,
            self._send,
            gap_started=gap_started,
            now=now,
            received_at=received_at,
            region=self.region,
        )
        if self.on_resynced is not None:
            self.on_resynced()
