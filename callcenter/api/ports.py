"""What the API needs besides the pipeline's ports, and the bundle ``create_app`` receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from callcenter.auth.passwords import Passwords
from callcenter.auth.tokens import Tokens
from callcenter.dispatch.board import TicketBoard
from callcenter.domain.events import Qualification
from callcenter.live.hub import LiveHub
from callcenter.pipeline.ports import DispatchDesk, EventSink, PbxControl, SeatBoard
from callcenter.storage.search import CallSearch
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import UserStore


class HandOff(Protocol):
    """Ask for a radio dispatch ticket for a qualified call (bound to the dispatch service)."""

    async def request(self, call_id: str, qualification: Qualification, by: str) -> str:
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
    search: CallSearch = field(init=False)
    board: TicketBoard = field(init=False)  # tickets as dispatchers see them; the units

    def __post_init__(self) -> None:
        self.search = CallSearch(self.store.engine)
        self.board = TicketBoard(self.store.engine)
