"""The ports the pipeline performs effects through; adapters live in storage/ and messaging/."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol, runtime_checkable

from callcenter.domain.call import Call
from callcenter.domain.callbacks import CallbackOp, CallbackTask
from callcenter.domain.dispatch import Ticket
from callcenter.domain.effects import AppendTimeline, NotifyClients, RequestDispatch
from callcenter.domain.events import CallEvent
from callcenter.domain.seats import Seat

# A call's last state with the steps and dispatch requests it produced since the last save.
Saved = tuple[Call, Sequence[AppendTimeline], Sequence[RequestDispatch]]


class CallWrites(Protocol):
    """Saves inside one open transaction of the store (see ``CallStore.transaction``)."""

    async def save_many(self, items: Sequence[Saved]) -> int:
        """Upsert the calls and append their steps (and dispatch requests); returns the steps
        stored (a step already on its call's timeline is not stored again)."""
        ...

    async def apply_callbacks(self, ops: Sequence[CallbackOp]) -> tuple[list[CallbackTask], int]:
        """Perform the call-back ops of the calls just saved (``domain/callbacks.py``), in
        order; returns the tasks created or changed, and the steps stored with them."""
        ...


class CallStore(Protocol):
    """Where calls and their timelines live (``storage.store.TimelineStore``)."""

    async def load(self, call_id: str) -> tuple[Call, set[str]] | None:
        """The call and the source ids already on its timeline, or None if unknown."""
        ...

    async def load_many(self, call_ids: Collection[str]) -> dict[str, tuple[Call, set[str]]]:
        """``load`` of several calls at once (the unknown ones left out)."""
        ...

    async def save(
        self,
        call: Call,
        steps: Sequence[AppendTimeline],
        dispatches: Sequence[RequestDispatch] = (),
    ) -> int:
        """``CallWrites.save_many`` of one call in its own transaction."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[CallWrites]:
        """One transaction for several saves: committed when the block exits normally, rolled
        back if it raises; what it wrote is announced (dispatch listeners) after the commit."""
        ...


class Notifier(Protocol):
    async def notify(self, message: NotifyClients) -> None: ...


@runtime_checkable
class BatchNotifier(Notifier, Protocol):
    """A notifier that takes several messages, in order, at once (the live hub: one write)."""

    async def notify_many(self, messages: Sequence[NotifyClients]) -> None: ...


class NullNotifier:
    """For offline work (ingest, export): nobody is listening."""

    async def notify(self, message: NotifyClients) -> None:
        return None


class PbxControl(Protocol):
    """What operators and supervisors ask the PBX to do. The AMI bridge implements it.

    Every method has a deadline and raises ``callcenter.errors.PbxError`` (or a subclass) with
    Asterisk's own message when the PBX refuses; it never returns silently on failure.
    """

    async def seat_login(self, queue: str, interface: str, member_name: str) -> None: ...

    async def seat_logout(self, queue: str, interface: str) -> None: ...

    async def seat_pause(self, queue: str, interface: str, reason: str) -> None: ...

    async def seat_unpause(self, queue: str, interface: str) -> None: ...

    async def answer(self, seat_interface: str) -> None:
        """Make the seat's phone pick up the call ringing on it (the seat phone driver: the
        simulator today, a real phone's remote-answer later)."""
        ...

    async def hangup(self, channel: str) -> None: ...

    async def blind_transfer(self, channel: str, context: str, extension: str) -> None: ...

    async def change_priority(self, queue: str, caller_channel: str, priority: int) -> None: ...

    async def originate_callback(
        self, seat_interface: str, number: str, action_id: str | None = None
    ) -> None:
        """Call ``number`` back from the seat's phone (the dialplan's call-back context);
        ``action_id`` comes back in Asterisk's ``OriginateResponse``."""
        ...


class EventSink(Protocol):
    """Where adapters (AMI, AGI, API, dispatch) hand domain events for ordered processing."""

    async def submit(self, event: CallEvent) -> None: ...


class SeatBoard(Protocol):
    """The seats as last seen from the PBX (rebuilt from QueueStatus after a reconnect)."""

    def seats(self) -> list[Seat]: ...

    def seat(self, name: str) -> Seat | None: ...

    def synced(self) -> bool:
        """The board comes from the PBX: its QueueStatus answer arrived since the bridge
        started. Before that the board is not empty but unknown (callers answer 503)."""
        ...


class DispatchDesk(Protocol):
    """The radio dispatchers' side of the hand-off."""

    async def pending(self) -> list[Ticket]: ...

    async def acknowledge(self, ticket_id: str, unit: str, by: str) -> Ticket: ...
