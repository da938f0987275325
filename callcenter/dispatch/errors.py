"""Errors of the radio dispatch hand-off (mapped to HTTP statuses by the API layer only)."""

from __future__ import annotations

from callcenter.errors import CallcenterError


class DispatchError(CallcenterError):
    """Base of the hand-off's refusals."""


class QualificationInvalidError(DispatchError):
    """The qualification does not validate; ``errors`` maps each bad field to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class CallNotQualifiableError(DispatchError):
    """The call is unknown, or in a state where it cannot be qualified (not answered yet)."""

    def __init__(self, call_id: str, state: str | None) -> None:
        super().__init__(f"call {call_id} cannot be qualified (state: {state or 'unknown'})")
        self.call_id = call_id
        self.state = state


class TicketNotFoundError(DispatchError):
    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"no dispatch ticket {ticket_id}")
        self.ticket_id = ticket_id


class TicketAlreadyAcknowledgedError(DispatchError):
    def __init__(self, ticket_id: str, unit: str | None, by: str | None) -> None:
        who = f" ({unit} by {by})" if unit else ""
        super().__init__(f"ticket {ticket_id} is already acknowledged{who}")
        self.ticket_id = ticket_id
        self.unit = unit
        self.by = by


class UnitNotFoundError(DispatchError):
    def __init__(self, unit: str) -> None:
        super().__init__(f"no field unit {unit}")
        self.unit = unit


class UnitNotAvailableError(DispatchError):
    def __init__(self, unit: str, status: str) -> None:
        super().__init__(f"field unit {unit} is not available (status: {status})")
        self.unit = unit
        self.status = status
