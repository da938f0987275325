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


class BridgeUnavailableError(CallcenterError):
    """An API-only process found no bridge to perform its command (no heartbeat, Redis down)."""


class BridgeTimeoutError(CallcenterError):
    """The bridge did not answer an API-only process's command before its deadline."""
