"""The ``qualify`` route: who is calling, what priority, queue or overflow, within the budget.

Called as ``AGI(agi://HOST:4573/qualify)`` before ``Queue(line19)``. In order:

1. ``GET VARIABLE CHANNEL(linkedid)``: the call id on the timeline is the Linkedid (the AGI
   environment only has the Local ;2 leg's uniqueid, the fallback, noted if used);
2. the caller ID is classified (``numbers.classify``), never raising;
3. the repeat-caller and room lookups run together under the budget (minus a reserve for the
   replies), started as soon as the environment is read (during the linkedid round trip), each
   shared by the sessions in flight (one query for a burst's numbers, ``batching.py``; one room
   query, whose snapshot the next callers use for a quarter second, ``room_count.py``; an
   overflow retry always asks). A store late or failing is replaced by
   memory when it has some: the recent callers loaded at start and kept since (``recent.py``),
   the newest room snapshot if younger than ``ROOM_MEMORY_SECONDS`` (both noted on the
   decision); without it (a store down since start), safe defaults (queue, normal priority)
   marked ``degraded``; never an exception and never a late answer;
4. ``QUEUE_PRIO`` and ``CALLCENTER_ROUTE`` (``queue``/``overflow``, the contract with the
   dialplan and the simulator) are set first with SET VARIABLE, then the variables the
   operator panel shows (``CALLCENTER_*``) in one ``EXEC MSet`` round trip;
5. the decision goes to the ``EventSink`` as a ``CallEntered`` event (the timeline's
   ``entered`` step, with the decision and its reason). If the sink is slower than the budget
   the answer is not held back: the submission finishes in the background, owned by the server.

A caller who hangs up (unsolicited ``HANGUP`` or ``511``) is still recorded (with a note) and
gives its place in the room back; a connection that drops or an answer cut by the budget is
recorded too, and keeps its place (the dialplan fails open into the queue). ``qualify?retry=N``
(the overflow path asking again) decides afresh and records an ``OverflowRound`` (the
timeline's ``overflow_round`` step), not a second entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from callcenter.agi.admission import Admission, RoomLedger
from callcenter.agi.batching import PriorCallsBatcher
from callcenter.agi.decision import (
    OVERFLOW,
    QUEUE,
    Decision,
    PriorityPolicy,
    decide,
    safe_default,
)
from callcenter.agi.lookups import EntryLookups, PriorCall, RoomSnapshot
from callcenter.agi.numbers import CallerNumber, classify
from callcenter.agi.protocol import AgiHangupError, AgiProtocolError, AgiRequest, AgiSession
from callcenter.agi.quiet import Quiet
from callcenter.agi.recent import RecentCallers, merge
from callcenter.agi.room_count import RoomCounter
from callcenter.domain.events import CallEntered, Clock, OverflowRound
from callcenter.pipeline.ports import EventSink

log = logging.getLogger(__name__)
quiet = Quiet(log)
T = TypeVar("T")

ROUTE_VAR = "CALLCENTER_ROUTE"
PRIO_VAR = "QUEUE_PRIO"
MAX_RAW = 80  # the calls.caller_raw column
# Seconds kept at the end of the budget to close the socket. A loaded event loop can stall a few
# milliseconds; with a smaller margin the server's own cut fires first and counts an overrun.
CLOSE_MARGIN = 0.02
WARM_TIMEOUT = 5.0  # seconds the start may spend warming the store lookups


@dataclass
class QualifyStats:
    sessions: int = 0
    queued: int = 0
    overflowed: int = 0
    degraded: int = 0
    hung_up: int = 0
    incomplete: int = 0  # the answer could not be completed (budget or connection)
    unidentified: int = 0  # no uniqueid nor linkedid: answered, not recorded
    recorded: int = 0
    record_failures: int = 0


@dataclass(frozen=True)
class QualifyConfig:
    region: str = "MA"
    repeat_window_minutes: int = 30
    policy: PriorityPolicy = field(default_factory=PriorityPolicy)
    # Shares of the budget: at most this much for the linkedid round trip; this much kept at
    # the end for the SET VARIABLE round trips (the lookups get what lies between).
    linkedid_share: float = 0.25
    reply_share: float = 0.25


Spawn = Callable[[Awaitable[None]], None]


class QualifyRoute:
    def __init__(
        self,
        lookups: EntryLookups,
        ledger: RoomLedger,
        sink: EventSink,
        config: QualifyConfig,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.lookups = lookups
        self.ledger = ledger
        self.sink = sink
        self.config = config
        self.now = now
        self.stats = QualifyStats()
        self.recent = RecentCallers(timedelta(minutes=config.repeat_window_minutes))
        self.priors = PriorCallsBatcher(lookups)
        self.room = RoomCounter(lookups, ledger)

    async def __call__(
        self, session: AgiSession, request: AgiRequest, deadline: float, spawn: Spawn
    ) -> None:
        self.stats.sessions += 1
        received_at = self.now()
        loop = asyncio.get_running_loop()
        budget = max(deadline - loop.time(), 0.0)
        notes: list[str] = []
        number = classify(request.get("agi_callerid"), self.config.region)
        # The lookups need only the number: they run during the linkedid round trip.
        since = received_at - timedelta(minutes=self.config.repeat_window_minutes)
        priors = self.priors.ask(number.e164, since) if number.e164 else None
        # an overflow retry counts the room afresh: its caller waited for a place to free
        reuse = "retry" not in request.query
        room = asyncio.ensure_future(asyncio.shield(self.room.snapshot(reuse=reuse)))
        try:
            call_id = await self._linkedid(session, request, deadline, budget, notes)
        except BaseException:  # cut at the budget: nobody will read the lookups
            for lookup in (priors, room):
                if lookup is not None:
                    lookup.cancel()
            raise
        if not call_id:
            self.stats.unidentified += 1
            log.warning("qualify: no uniqueid nor linkedid from %r: defaults", request.channel)
            notes.append("no_call_id")
        decision = await self._decide(
            number, call_id, received_at, priors, room, deadline, budget, notes
        )
        answered = False
        if not session.hung_up:
            answered = await self._answer(session, call_id, number, decision, loop, deadline)
        if session.hung_up:
            notes.append("caller_hung_up_during_agi")
            self.stats.hung_up += 1
        elif not answered:
            notes.append("answer_incomplete")
            self.stats.incomplete += 1
        if session.hung_up and call_id:
            # Gone before the queue: no place taken. (An incomplete answer is not released:
            # the dialplan fails open into the queue, so the call does take a place.)
            self.ledger.release(call_id)
        self.stats.queued += decision.route == QUEUE
        self.stats.overflowed += decision.route == OVERFLOW
        self.stats.degraded += decision.degraded
        if not call_id:
            return
        if "retry" in request.query:
            # The overflow path asking again (extensions.conf [overflow]): not a second entry
            # but one more round (joining the queue is recorded from AMI).
            round_ = self._round(request, call_id, decision, received_at, notes)
            await self._record(round_, deadline, spawn)
            return
        event = self._event(request, call_id, number, decision, received_at, notes)
        await self._record(event, deadline, spawn)

    async def _linkedid(
        self,
        session: AgiSession,
        request: AgiRequest,
        deadline: float,
        budget: float,
        notes: list[str],
    ) -> str:
        loop = asyncio.get_running_loop()
        timeout = min(self.config.linkedid_share * budget, deadline - loop.time())
        try:
            async with asyncio.timeout(max(timeout, 0.0)):
                linkedid = await session.get_variable("CHANNEL(linkedid)")
        except (TimeoutError, AgiProtocolError) as exc:
            notes.append(f"linkedid_unavailable: {type(exc).__name__}")
            return request.uniqueid
        if not linkedid:
            notes.append("linkedid_unavailable: unset")
            return request.uniqueid
        return linkedid.strip()[:64]

    async def _decide(
        self,
        number: CallerNumber,
        call_id: str,
        now: datetime,
        priors_task: asyncio.Future[list[PriorCall]] | None,
        room_task: asyncio.Future[RoomSnapshot],
        deadline: float,
        budget: float,
        notes: list[str],
    ) -> Decision:
        loop = asyncio.get_running_loop()
        window = self.config.repeat_window_minutes
        since = now - timedelta(minutes=window)
        tasks = [t for t in (priors_task, room_task) if t is not None]
        lookup_deadline = deadline - self.config.reply_share * budget
        _, pending = await asyncio.wait(tasks, timeout=max(lookup_deadline - loop.time(), 0))
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=0.05)

        priors: Sequence[PriorCall] | None = []
        if priors_task is not None and number.e164:
            priors = _result(priors_task, "repeat_lookup", notes)
            if priors is not None:
                stored = [p for p in priors if p.id != call_id]
                self.recent.remember(number.e164, stored)
                priors = merge(stored, self.recent.earlier(number.e164, since, call_id))
            elif self.recent.warm:  # the store is late: what it said before, and calls since
                priors = self.recent.earlier(number.e164, since, call_id)
                notes.append("repeat_lookup_from_memory")
            if call_id:
                self.recent.seen(number.e164, call_id, now)
        room = _result(room_task, "room_lookup", notes)
        remembered = self.room.remembered() if room is None else None
        if remembered is not None:  # the ledger counts every call let in since
            room, age = remembered
            notes.append(f"room_from_snapshot: {age:.1f} s old")
        if priors is None and room is None:
            return safe_default(self.config.policy, *notes)
        admission: Admission | None = None
        if room is not None:
            admission = self.ledger.admit(call_id, room)
        return decide(
            number, priors, admission, self.config.policy, window_minutes=window, notes=notes
        )

    async def start(self) -> None:
        """Warm what the first burst after start would otherwise pay for: phonenumbers' metadata
        for the region, the store's connections and compiled queries, the recent callers'
        memory and a first room snapshot (what a late store is replaced by). Never fails the
        start: a store down now leaves the memory cold (a late store then gives defaults)."""
        classify("+212612345678", self.config.region)
        classify("0612345678", self.config.region)
        warm = getattr(self.lookups, "warm", None)
        if warm is None:
            return
        since = self.now() - timedelta(minutes=self.config.repeat_window_minutes)
        try:
            async with asyncio.timeout(WARM_TIMEOUT):
                self.recent.load(await warm(since))
                await self.room.snapshot()
        except Exception as exc:  # the store may be down at start: the sessions will say so
            log.warning("qualify: could not warm the store lookups: %r", exc)

    async def aclose(self) -> None:
        """Stop the queries still running (a hung store) at shutdown."""
        await self.priors.aclose()
        await self.room.aclose()

    async def _answer(
        self,
        session: AgiSession,
        call_id: str,
        number: CallerNumber,
        decision: Decision,
        loop: asyncio.AbstractEventLoop,
        deadline: float,
    ) -> bool:
        # The two that change the call's path, one SET VARIABLE each (the contract with the
        # dialplan and the simulator), then the panel's variables in one round trip (MSet).
        decisive = [(PRIO_VAR, str(decision.priority)), (ROUTE_VAR, decision.route)]
        display = [
            ("CALLCENTER_CALL_ID", call_id),
            ("CALLCENTER_CALLER_E164", number.e164 or ""),
            ("CALLCENTER_NUMBER_KIND", number.kind.value),
            ("CALLCENTER_REPEAT_COUNT", str(decision.repeat_count)),
            ("CALLCENTER_LINKED_CALLS", "&".join(decision.linked_call_ids)),
            ("CALLCENTER_DEGRADED", "1" if decision.degraded else "0"),
        ]
        try:
            async with asyncio.timeout_at(deadline - CLOSE_MARGIN):
                for name, value in decisive:
                    await session.set_variable(name, value)
                await session.set_variables(display)
        except AgiHangupError:
            return False
        except (TimeoutError, AgiProtocolError) as exc:
            quiet.warning("incomplete", "qualify %s: answer incomplete (%r)", call_id, exc)
            return False
        return True

    def _event(
        self,
        request: AgiRequest,
        call_id: str,
        number: CallerNumber,
        decision: Decision,
        received_at: datetime,
        notes: list[str],
    ) -> CallEntered:
        return CallEntered(
            call_id=call_id,
            at=received_at,
            received_at=received_at,
            source_id=f"agi:{request.uniqueid or call_id}",
            clock=Clock.ARRIVAL,
            caller_raw=number.raw[:MAX_RAW],
            caller_e164=number.e164,
            channel=request.channel[:MAX_RAW],
            number_kind=number.kind.value,
            route=decision.route,
            priority=decision.priority,
            reason=decision.reason,
            reason_codes=decision.reason_codes,
            repeat_count=decision.repeat_count,
            linked_call_ids=decision.linked_call_ids,
            callback_after_abandon=decision.callback_after_abandon,
            degraded=decision.degraded,
            notes=tuple(notes),
        )

    def _round(
        self,
        request: AgiRequest,
        call_id: str,
        decision: Decision,
        received_at: datetime,
        notes: list[str],
    ) -> OverflowRound:
        try:
            retry = int(request.query.get("retry", ""))
        except ValueError:
            retry = 0
            notes.append(f"retry_unreadable: {request.query.get('retry', '')[:20]!r}")
        return OverflowRound(
            call_id=call_id,
            at=received_at,
            received_at=received_at,
            # OVERFLOW_TRIES restarts when a caller enters the overflow path again: the time
            # keeps each round's identity unique
            source_id=f"agi:{request.uniqueid or call_id}:retry:{received_at.timestamp():.6f}",
            clock=Clock.ARRIVAL,
            retry=retry,
            route=decision.route,
            priority=decision.priority,
            reason=decision.reason,
            reason_codes=decision.reason_codes,
            degraded=decision.degraded,
            notes=tuple(notes),
        )

    async def _record(
        self, event: CallEntered | OverflowRound, deadline: float, spawn: Spawn
    ) -> None:
        """Hand the event over before the dialplan moves on (so the ``entered`` step comes
        before the bridge's ``queued``), but never past the budget: late, it finishes in the
        background."""
        task = asyncio.ensure_future(self._submit(event))
        # Owned by the server from the start: even if the server cuts this route at the budget,
        # shutdown still waits for the recording instead of losing it.
        spawn(task)
        loop = asyncio.get_running_loop()
        # stop just short of the deadline, so the server's own cut at the deadline does not fire
        timeout = deadline - loop.time() - CLOSE_MARGIN
        done, _ = await asyncio.wait([task], timeout=max(timeout, 0))
        if not done:
            quiet.warning("late", "qualify %s: recording continues after the answer", event.call_id)

    async def _submit(self, event: CallEntered | OverflowRound) -> None:
        try:
            async with asyncio.timeout(10.0):
                await self.sink.submit(event)
        except Exception:
            self.stats.record_failures += 1
            log.exception("qualify %s: the entered step could not be recorded", event.call_id)
        else:
            self.stats.recorded += 1


def _result(task: asyncio.Future[T], what: str, notes: list[str]) -> T | None:
    if task.cancelled():
        notes.append(f"{what}_timeout")
        return None
    exc = task.exception()
    if exc is not None:
        notes.append(f"{what}_failed: {type(exc).__name__}")
        quiet.warning(what, "qualify: %s failed: %r", what, exc)
        return None
    return task.result()
