"""What the API needs besides the pipeline's ports, and the bundle ``create_app`` receives."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from callcenter.auth.passwords import Passwords
from callcenter.auth.tokens import Tokens
from callcenter.callbacks.desk import CallbackDesk
from callcenter.dispatch.board import TicketBoard
from callcenter.incidents.desk import IncidentDesk
from callcenter.live.hub import LiveHub
from callcenter.pipeline.ports import DispatchDesk, EventSink, PbxControl, SeatBoard
from callcenter.storage.callbacks import CallbackLedger
from callcenter.storage.incidents import IncidentStore
from callcenter.storage.search import CallSearch
from callcenter.storage.store import TimelineStore
from callcenter.storage.tickets import TicketStore
from callcenter.storage.users import UserStore


class HandOff(Protocol):
    """Qualify a call, or qualify it and ask for a radio dispatch ticket (bound to the dispatch
    service). Both take the operator's raw fields: the dispatch service validates them, with
    the room's configured taxonomy, and checks the call's state, the same way for both."""

    async def qualify(
        self, call_id: str, fields: Mapping[str, Any], by: str, request_id: str
    ) -> None:
        """Raises ``QualificationInvalidError`` (bad fields) or ``CallNotQualifiableError``."""
        ...

    async def request(self, call_id: str, fields: Mapping[str, Any], by: str) -> str:
        """Returns the ticket id; raises ``callcenter.errors.CallcenterError`` if refused."""
        ...


@dataclass(kw_only=True)
class Services:
    store: TimelineStore
    users: UserStore
    tokens: Tokens
    passwords: Passwords
    hub: LiveHub
    pbx: PbxControl
    seats: SeatBoard
    events: EventSink
    dispatch: DispatchDesk
    handoff: HandOff
    # Readiness of the AMI link (None: no bridge in this process, reported as "absent").
    pbx_connected: Callable[[], bool] | None = None
    # Seconds since the PBX last reached this process's FastAGI server (None: never; the
    # field None: no FastAGI server here). /readyz reports "agi": "silent" past the window.
    agi_idle: Callable[[], float | None] | None = None
    agi_ready_within: float = 600.0
    # Bridge/pipeline counters for /metrics, e.g. ProcessorStats fields.
    counters: Callable[[], dict[str, int]] = field(default=dict)
    transfer_context: str = "transfer"  # dialplans/extensions.conf [transfer]
    sla_answer_seconds: int = 15  # no call-back is offered while a caller waits longer
    search: CallSearch = field(init=False)
    callbacks: CallbackDesk = field(init=False)  # call-back tasks offered to free seats
    board: TicketBoard = field(init=False)  # tickets as dispatchers see them; the units
    incidents: IncidentDesk = field(init=False)  # suggestions and attachment (operators)

    def __post_init__(self) -> None:
        self.search = CallSearch(self.store.engine)
        self.board = TicketBoard(self.store.engine)
        engine = self.store.engine
        self.incidents = IncidentDesk(
            self.events, self.store, IncidentStore(engine), TicketStore(engine)
        )
        self.callbacks = CallbackDesk(
            CallbackLedger(self.store.engine),
            self.events,
            self.pbx,
            sla_answer_seconds=self.sla_answer_seconds,
            seats=self.seats,
        )
