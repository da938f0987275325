"""Which call-back each Originate was, and how it ended, from Asterisk's own reports.

callcenter places a call-back as an Originate of the seat's phone into the dialplan's
call-back context, with ``ActionID: callback/<call id>/<attempt>`` (``domain/callbacks.py``).
Asterisk 20 then reports, in order:

- ``OriginateResponse`` (same ActionID) about the *seat's* leg: ``Failure`` with Reason 5
  (busy), 3 (it rang out), 8 (congestion), 0/1 (no channel, hung up): the attempt ends there;
  ``Success`` Reason 4: the seat picked up and the dialplan dials the number;
- ``DialEnd`` on that seat channel with the number's ``DialStatus`` (ANSWER, BUSY, NOANSWER,
  CANCEL when the seat hung up first, CONGESTION/CHANUNAVAIL): the attempt ends there.

Each end becomes one ``CallbackEnded`` for the original call (its source id is derived from the
frame's, so a replayed stream records it once). Synchronous and I/O-free, like the bridge.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from callcenter.ami import facts as f
from callcenter.domain import callback_pbx
from callcenter.domain import callbacks as cb
from callcenter.domain.events import CallbackEnded

KEEP = 1000  # call-backs being dialled that are remembered (each is forgotten at its end)


class CallbackWatch:
    def __init__(self, seat_for_channel: Callable[[str], str | None]) -> None:
        self.seat_for_channel = seat_for_channel
        self._dialling: OrderedDict[str, tuple[str, int, str]] = OrderedDict()

    def answered(self, fact: f.OriginateAnswered) -> CallbackEnded | None:
        found = callback_pbx.parse_action_id(fact.action_id)
        if found is None:
            return None  # not a call-back of ours
        call_id, attempt = found
        seat = self.seat_for_channel(fact.channel) or fact.channel
        result = callback_pbx.originate_result(
            "Success" if fact.success else "Failure", fact.reason
        )
        if result is None:
            self._dialling[fact.channel] = (call_id, attempt, seat)
            while len(self._dialling) > KEEP:
                self._dialling.popitem(last=False)
            return None
        return self._ended(fact.stamp, call_id, attempt, seat, result, f"reason {fact.reason}")

    def dial_ended(self, fact: f.DialEnded) -> CallbackEnded | None:
        result = callback_pbx.dial_result(fact.dial_status)
        if result is None or fact.channel not in self._dialling:
            return None  # a queue's seat ring, or not an end
        call_id, attempt, seat = self._dialling.pop(fact.channel)
        return self._ended(fact.stamp, call_id, attempt, seat, result, fact.dial_status)

    def _ended(
        self, stamp: f.Stamp, call_id: str, attempt: int, seat: str, result: cb.Result, code: str
    ) -> CallbackEnded:
        return CallbackEnded(
            call_id=call_id,
            at=stamp.at,
            received_at=stamp.received_at,
            clock=stamp.clock,
            source_id=f"callback:{attempt}:{stamp.source_id}",
            seat=seat,
            attempt=attempt,
            result=result.value,
            source="pbx",
            code=code,
        )
