"""AMI frames to domain events and bridge facts. The only package that knows AMI header names.

``Translator.translate(frame, received_at)`` returns the facts one frame means (often none);
``is_noise(raw)`` tells the frame parser which frames need not be parsed at all. One module per
family of events: ``channels``, ``queue_callers``, ``agents``, ``members`` (seat state),
``resync`` (the QueueStatus and CoreShowChannels lists); ``translator`` holds what they share.
Promises:

- noise events (VarSet other than QUEUESTATUS, Newexten, DeviceStateChange, ...) are ignored
  before any dict is built, and counted in ``stats.ignored``;
- a frame whose fields do not parse (a missing Linkedid, ``HoldTime: abc``) is counted in
  ``stats.unparsable`` and yields nothing; it never raises;
- ``at`` is Asterisk's ``Timestamp`` when the frame has one (``timestampevents = yes``,
  ``clock=pbx``), the arrival time otherwise (``clock=arrival``);
- ``source_id`` is a hash of the frame's headers minus ``ActionID`` (so the same bytes replayed
  give the same ids); without a ``Timestamp`` it is suffixed ``#n`` for the n-th identical frame
  seen by this translator (two identical AgentRingNoAnswer without Timestamp are two steps, not
  one); with one, identical frames are the same event (a call repeated in one stream is
  recorded once).

Traps handled here (see tests/fixtures and shared/asterisk/README.md): the caller channel of
queue events is not the first leg, every leg shares ``Linkedid`` (the call id); ``RingTime`` is
seconds in AgentConnect and milliseconds in AgentRingNoAnswer; QueueStatus lists say
``Name``/``Location`` where pushed events say ``MemberName``/``Interface``.
"""

from callcenter.ami.translate.fields import UnparsableError
from callcenter.ami.translate.noise import NOISE, is_noise
from callcenter.ami.translate.translator import HANDLERS, TranslateStats, Translator

__all__ = ["HANDLERS", "NOISE", "TranslateStats", "Translator", "UnparsableError", "is_noise"]
