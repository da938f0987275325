"""One error hierarchy for callcenter. HTTP status codes are mapped in the API layer only."""


class CallcenterError(Exception):
    """Base of every error callcenter raises on purpose."""


class PbxError(CallcenterError):
    """The PBX refused an action or did not answer in time."""


class PbxTimeoutError(PbxError):
    """No answer from the PBX before the action's deadline."""


class PbxRejectedError(PbxError):
    """Asterisk answered ``Response: Error``; ``message`` is Asterisk's own words."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__(f"{action}: {message}")
        self.action = action
        self.message = message


class UnsafeActionError(PbxError):
    """callcenter refused to send an action: a header would break AMI's line framing.

    A CR, LF or NUL in a header name or value would end the header (or the whole action) early
    and let the rest be read by Asterisk as headers or actions of its own (AMI injection)."""


class PbxUnavailableError(PbxError):
    """Not connected to the PBX (or not logged in) when the action was asked for."""


class SeatsUnknownError(PbxUnavailableError):
    """No seat board yet: the bridge has not had the PBX's QueueStatus answer since it started."""

    def __init__(self, message: str = "the bridge has not heard from the PBX yet") -> None:
        super().__init__(message)


class BridgeUnavailableError(CallcenterError):
    """An API-only process found no bridge to perform its command (no heartbeat, Redis down)."""


class BridgeTimeoutError(CallcenterError):
    """The bridge did not answer an API-only process's command before its deadline."""


# The radio dispatch hand-off's refusals (raised by dispatch/ and storage/tickets.py).


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


class CallNotAttachableError(DispatchError):
    """The call cannot join that incident: unknown call or incident, its own incident, a call
    already dispatched on a ticket of its own, or one other calls were attached to."""

    def __init__(self, call_id: str, incident_id: str, why: str) -> None:
        super().__init__(f"call {call_id} cannot be attached to {incident_id}: {why}")
        self.call_id = call_id
        self.incident_id = incident_id
        self.why = why


class CallbackRefusedError(CallcenterError):
    """A call-back cannot be offered, started or recorded as asked (the task is not in a state
    that allows it, not offered to this seat, or the number cannot be called)."""
