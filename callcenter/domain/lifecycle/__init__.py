"""The call lifecycle: ``transition(call, event) -> (call, effects)``.

Pure: it returns the new call and the effects to perform, and performs none. It never raises
for an event that does not fit the call's state: such an event becomes an ``anomaly`` step on
the timeline and the call is left as it was, so nothing is dropped and the event loop never
sees an exception from here. Once the caller's line ended, nothing that needs the line
(queueing, an offer, an answer, a transfer) is accepted any more (``NEEDS_THE_LINE``).

This package is the one entry point (``transition``, the ``RULES`` table); inside, the rules
are kept by concern: ``queue`` (entry, queue, overflow, offers), ``talk`` (answer,
conversation, transfer), ``outcome`` (line end, qualification, dispatch, incidents, close,
lost and recovered), with ``rule`` (what a rule is), ``steps`` (the effects' builders) and
``machine`` (the table applied to an event).
"""

from callcenter.domain.lifecycle.machine import NEEDS_THE_LINE, RULES, new_call, transition
from callcenter.domain.lifecycle.rule import Rule

__all__ = ["NEEDS_THE_LINE", "RULES", "Rule", "new_call", "transition"]
