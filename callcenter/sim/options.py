"""The simulator's options and its running tally: plain data every part of it reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from callcenter.sim.overflow_plan import LOOP, Step


@dataclass
class SimOptions:
    timestamps: bool = True
    noise: bool = True
    seed: int = 0
    epoch: float | None = None
    ring_min: float = 1.0  # simulated operators: ring delay before answering (seconds)
    ring_max: float = 3.0
    talk_min: float = 2.0  # talk time of AMI-originated callers (the recording rig's globals)
    talk_max: float = 6.0
    no_answer_ratio: float = 0.0  # share of rings a simulated operator lets time out
    overflow_retry: float = 10.0  # OVERFLOW_RETRY_WAIT: the overflow loop's Wait() (seconds)
    overflow_loop: tuple[Step, ...] = LOOP  # the [overflow] loop played (overflow.py)
    moh_classes: frozenset[str] = frozenset({"default"})  # musiconhold.conf's classes
    agi_url: str | None = None  # e.g. agi://127.0.0.1:4573/qualify
    agi_budget: float = 0.5
    overflow_variable: str = "CALLCENTER_ROUTE"
    overflow_value: str = "overflow"
    manual_seats: frozenset[str] = field(default_factory=frozenset)
    # Asterisk's own logs of the simulated calls (pbx_logs.py), as a PBX writes them while
    # callcenter is down: the queue_log file, and the queue_log + cel tables of a database
    # (async SQLAlchemy URL; the tables must exist). None: not written.
    queue_log_file: Path | None = None
    pbx_log_url: str | None = None
    # how a called-back number answers the seat's Dial() (callbacks.py): its DIALSTATUS,
    # BUSY, NOANSWER (after the dialplan's 60 s), CONGESTION; any other number answers
    callback_answers: dict[str, str] = field(default_factory=dict)


@dataclass
class Tally:
    """Counted as callcenter counts (``callcenter.domain.outcomes``), so the demo's progress
    line, the export and the statistics agree: ``answered`` when a seat first answers a caller
    (whatever came before), ``abandoned`` when a caller nobody answered hangs up (in the queue,
    ringing, or on the overflow path); ``overflowed`` counts the callers who reached the
    overflow path (the export's ``reached_overflow``), who end answered or abandoned too."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    overflowed: int = 0
    overflow_events: int = 0
    moh_failures: int = 0  # music on hold asked for a class that does not exist
    overflow_spins: int = 0  # callers whose overflow loop spun (overflow.py)
