"""The ``[overflow]`` loop of ``dialplans/extensions.conf`` as data: its applications from the
``loop`` label, in order (the tests in ``tests/pbx`` compare them with the file). Played by
``overflow.py``; ``SimOptions.overflow_loop`` may name another loop.
"""

from __future__ import annotations

PROMPT = "callcenter/line19-stay-on-the-line"
GOTO_LOOP = '$["${AGISTATUS}" = "SUCCESS" & "${CALLCENTER_ROUTE}" = "overflow"]?loop'
Step = tuple[str, str]
LOOP: tuple[Step, ...] = (
    ("Set", "OVERFLOW_TRIES=$[${OVERFLOW_TRIES} + 1]"),
    ("Playback", PROMPT),
    ("StartMusicOnHold", "default"),
    ("Wait", "${OVERFLOW_RETRY_WAIT}"),
    ("StopMusicOnHold", ""),
    ("Set", "CALLCENTER_ROUTE=queue"),
    ("AGI", "${CALLCENTER_AGI}?retry=${OVERFLOW_TRIES}"),
    ("GotoIf", GOTO_LOOP),
    ("Queue", "line19"),
    ("NoOp", "overflow: attempt ${OVERFLOW_TRIES} QUEUESTATUS=${QUEUESTATUS}"),
    ("Goto", "loop"),
)
FIRST = 3  # the loop label's priority: s,1 NoOp, s,2 Set(OVERFLOW_TRIES=0)
