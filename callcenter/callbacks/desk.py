"""The call-back desk: which task a seat is offered, and placing a call-back from it.

Tasks are written by the pipeline (``storage/callbacks.py``, ``domain/callbacks.py``); the
desk only reads them, offers one to a free seat (a conditional update: two API processes never
offer one task to two seats), and places the call-back: a ``CallbackStarted`` event for the
original call's timeline (through the ``EventSink``: the room's ordered runner, or the bridge
over Redis from an API-only process), then the AMI Originate from the seat's phone through the
same ``PbxControl`` port as every seat action, with ``ActionID: callback/<call>/<attempt>`` so
Asterisk's ``OriginateResponse``/``DialEnd`` come back to the task (``ami/callback_watch.py``).
An operator may also record what they heard (``record``): a ``CallbackEnded`` from
``operator``. Errors are ``callcenter.errors`` (the API maps them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from callcenter.desks import require
from callcenter.domain import callback_life as life
from callcenter.domain import callback_pbx
from callcenter.domain import callbacks as cb
from callcenter.domain.events import CallbackEnded, CallbackStarted
from callcenter.domain.seats import Seat, SeatState
from callcenter.errors import CallbackRefusedError
from callcenter.pipeline.ports import EventSink, PbxControl, SeatBoard
from callcenter.storage.callbacks import CallbackLedger

OPERATOR_RESULTS = frozenset(
    {cb.Result.REACHED, cb.Result.NO_ANSWER, cb.Result.BUSY, cb.Result.INVALID}
)


def seat_free(seat: Seat) -> bool:
    return seat.state is SeatState.AVAILABLE and seat.call_id is None


def held_by(seat: Seat, status: cb.Status) -> Callable[[cb.CallbackTask], bool]:
    """The task is ``seat``'s, in ``status`` (offered to it, or being called from it)."""
    return lambda task: task.seat == seat.name and task.status is status


class CallbackDesk:
    def __init__(
        self,
        ledger: CallbackLedger,
        events: EventSink,
        pbx: PbxControl,
        *,
        sla_answer_seconds: int,
        seats: SeatBoard | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.ledger = ledger
        self.events = events
        self.pbx = pbx
        self.sla_answer_seconds = sla_answer_seconds
        self.seats = seats
        self.now = now

    async def offer_for(self, seat: Seat) -> life.Offer:
        """The task ``seat`` is offered now (reserved for it), or why none. A seat that is no
        longer free gives back a task it was offered but did not start."""
        now = self.now()
        tasks = await self.ledger.live()
        free = seat_free(seat)
        # an offer held by a seat that is no longer free (this one, or another whose panel is
        # closed) goes back to the pool
        stale = [
            t
            for t in tasks
            if t.status is cb.Status.OFFERED
            and t.seat is not None
            and not (free if t.seat == seat.name else self._free(t.seat))
        ]
        for t in stale:
            await self.ledger.release(t.call_id, t.seat or "", now)
        if stale:
            tasks = await self.ledger.live()
        room = life.Room(
            longest_wait_seconds=await self.ledger.longest_wait_seconds(now),
            sla_answer_seconds=self.sla_answer_seconds,
        )
        for _ in range(3):  # another seat may take the same task first: try the next one
            offer = life.next_offer(tasks, seat.name, seat_free=free, room=room)
            if offer.task is None or offer.task.status is not cb.Status.OPEN:
                return offer
            if await self.ledger.offer(offer.task, seat.name, now):
                return life.Offer(task=life.offered(offer.task, seat.name, now), fresh=True)
            tasks = await self.ledger.live()
        return life.Offer(task=None, why_none="nothing_to_call")

    def _free(self, name: str) -> bool:
        seat = self.seats.seat(name) if self.seats is not None else None
        return seat is None or seat_free(seat)  # a seat the board does not know: left alone

    async def offer_to(self, call_id: str, seat: Seat) -> cb.CallbackTask:
        """A supervisor offers a task to a seat (it must be open, the seat free)."""
        task = await self._task(call_id)
        if task.status is not cb.Status.OPEN:
            raise CallbackRefusedError(f"call-back of {call_id} is {task.status.value}")
        if not seat_free(seat):
            raise CallbackRefusedError(f"{seat.name} is not free")
        now = self.now()
        if not await self.ledger.offer(task, seat.name, now):
            raise CallbackRefusedError(f"call-back of {call_id} was just taken")
        return life.offered(task, seat.name, now)

    async def decline(self, call_id: str, seat: Seat) -> None:
        if not await self.ledger.release(call_id, seat.name, self.now()):
            raise CallbackRefusedError(f"call-back of {call_id} is not offered to {seat.name}")

    async def start(self, call_id: str, seat: Seat, by: str) -> int:
        """Call the task's caller back from ``seat``; returns the attempt number."""
        task = await self._task(
            call_id,
            allowed=held_by(seat, cb.Status.OFFERED),
            refused=f"call-back of {call_id} is not offered to {seat.name}",
        )
        if task.number is None:
            raise CallbackRefusedError(f"call-back of {call_id}: the number cannot be called")
        attempt = task.attempts + 1
        now = self.now()
        if not await self.ledger.take(call_id, seat.name, now):
            raise CallbackRefusedError(f"call-back of {call_id} is already being called")
        await self.events.submit(
            CallbackStarted(
                call_id=call_id,
                at=now,
                received_at=now,
                source_id=f"callback:{attempt}:started",
                seat=seat.name,
                number=task.number,
                attempt=attempt,
                by=by,
            )
        )
        try:
            await self.pbx.originate_callback(
                seat.interface, task.number, action_id=callback_pbx.action_id(call_id, attempt)
            )
        except Exception as exc:
            await self._ended(call_id, seat.name, attempt, cb.Result.FAILED, "pbx", str(exc)[:80])
            raise
        return attempt

    async def record(self, call_id: str, seat: Seat, result: cb.Result) -> None:
        """The operator says how the call-back went (what they heard)."""
        if result not in OPERATOR_RESULTS:
            raise CallbackRefusedError(f"not a result an operator gives: {result.value}")
        task = await self._task(
            call_id,
            allowed=held_by(seat, cb.Status.CALLING),
            refused=f"{seat.name} is not calling back {call_id}",
        )
        await self._ended(call_id, seat.name, task.attempts, result, "operator", "")

    async def _ended(
        self, call_id: str, seat: str, attempt: int, result: cb.Result, source: str, code: str
    ) -> None:
        now = self.now()
        await self.events.submit(
            CallbackEnded(
                call_id=call_id,
                at=now,
                received_at=now,
                source_id=f"callback:{attempt}:{source}",
                seat=seat,
                attempt=attempt,
                result=result.value,
                source=source,
                code=code,
            )
        )

    async def _task(
        self,
        call_id: str,
        *,
        allowed: Callable[[cb.CallbackTask], bool] = lambda _task: True,
        refused: str = "",
    ) -> cb.CallbackTask:
        """The call's task, if ``allowed`` (else refused with ``refused``)."""
        return await require(
            self.ledger.get(call_id),
            lambda task: CallbackRefusedError(
                refused if task is not None else f"no call-back task for {call_id}"
            ),
            allowed=allowed,
        )
