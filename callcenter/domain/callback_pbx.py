"""What Asterisk 20 says of a call-back Originate, as a call-back result. Pure.

callcenter places a call-back as an Originate of the seat's phone (``Channel: PJSIP/seat03``)
into the dialplan's call-back context with ``ActionID: callback/<call id>/<attempt>``:

- ``OriginateResponse`` (same ActionID) speaks of the *originated* channel, the seat's leg:
  its ``Reason`` is the last control frame Asterisk saw on it (``enum ast_control_frame_type``):
  4 ANSWER (the seat picked up; the dialplan now dials the number), 5 BUSY, 3 RINGING (it rang
  out), 8 CONGESTION, 1 HANGUP, 0 when no channel could be made;
- the number's own answer is the seat channel's Dial(): ``DialEnd`` ``DialStatus`` ANSWER,
  BUSY, NOANSWER, CANCEL (the seat hung up first), CONGESTION, CHANUNAVAIL.
"""

from __future__ import annotations

from callcenter.domain.callbacks import Result

# OriginateResponse Reason: the last control frame of the *originated* channel (the seat's
# phone), Asterisk's ``enum ast_control_frame_type``: 4 AST_CONTROL_ANSWER, 5 BUSY, 3 RINGING
# (it rang out), 8 CONGESTION, 1 HANGUP, 0 the channel could not be created.
SEAT_REASONS = {
    "5": Result.SEAT_BUSY,
    "3": Result.SEAT_NO_ANSWER,
    "8": Result.FAILED,
    "1": Result.FAILED,
    "0": Result.FAILED,
}
# DialEnd DialStatus of the seat channel's Dial() to the number (dialplan [callbacks]).
DIAL_STATUSES = {
    "ANSWER": Result.REACHED,
    "BUSY": Result.BUSY,
    "NOANSWER": Result.NO_ANSWER,
    "CONGESTION": Result.INVALID,
    "CHANUNAVAIL": Result.INVALID,
    "INVALIDARGS": Result.INVALID,
    "CANCEL": Result.NO_ANSWER,  # the seat hung up before the number answered
}


def originate_result(response: str, reason: str) -> Result | None:
    """The attempt's end told by ``OriginateResponse`` (None: the seat picked up, Reason 4, and
    the number is being dialled: ``DialEnd`` tells the rest)."""
    if response == "Success" and reason == "4":
        return None
    return SEAT_REASONS.get(reason, Result.FAILED)


def dial_result(dial_status: str) -> Result | None:
    """The number's answer from the seat channel's ``DialEnd`` (None: not an end we know)."""
    return DIAL_STATUSES.get(dial_status.strip().upper())


# --- the action id that ties Asterisk's answer to the task ---------------------------------

ACTION_PREFIX = "callback/"


def action_id(call_id: str, attempt: int) -> str:
    return f"{ACTION_PREFIX}{call_id}/{attempt}"


def parse_action_id(value: str) -> tuple[str, int] | None:
    if not value.startswith(ACTION_PREFIX):
        return None
    call_id, _, attempt = value[len(ACTION_PREFIX) :].rpartition("/")
    if not call_id or not attempt.isdigit():
        return None
    return call_id, int(attempt)
