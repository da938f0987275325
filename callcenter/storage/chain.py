"""The hash chain that makes a call's timeline tamper-evident.

Each step's ``hash`` is SHA-256 over the previous step's hash and the step's own content (call,
seq, kind, times, clock, source, payload) in a canonical JSON form; the first step chains from
``GENESIS``. The call record keeps the last hash (``timeline_head``). Changing, inserting or
deleting any stored step, or dropping steps at the end, no longer matches: ``verify`` names the
first step that does not. Pure: the store computes hashes as it appends, ``callcenter verify``
and the API check them. The algorithm is part of the record (``VERSION``): never change it in
place.

What it does not prove: someone with write access to the database can recompute a whole chain
and its head. Anchoring the heads outside the database (a daily digest, see ``digest``) closes
that: see docs/tamper-evident-timeline.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

VERSION = "sha256-v1"
GENESIS = "0" * 64
CONTENT = (
    "call_id",
    "seq",
    "kind",
    "source_id",
    "clock",
    "inferred",
    "at",
    "pbx_at",
    "received_at",
    "payload",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a timeline step")
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def step_hash(prev: str, step: Mapping[str, Any]) -> str:
    """The hash of ``step`` (a timeline row, or the values about to be inserted)."""
    content = {k: _canonical(step.get(k)) for k in CONTENT}
    text = json.dumps(
        [VERSION, prev, content], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Verdict:
    call_id: str
    steps: int
    intact: bool
    first_bad_seq: int | None = None  # the first step that does not match (None: see reason)
    reason: str = ""
    head: str = GENESIS  # the call record's head, as stored

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "intact" if self.intact else "broken",
            "algorithm": VERSION,
            "steps": self.steps,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
        }


def verify(call_id: str, head: str | None, steps: Sequence[Mapping[str, Any]]) -> Verdict:
    """Check ``steps`` (all of the call's, in ``seq`` order) against each other and ``head``."""
    stored = head or GENESIS
    prev = GENESIS
    for expected_seq, step in enumerate(steps, start=1):
        seq = int(step["seq"])
        if seq != expected_seq:
            return Verdict(
                call_id, len(steps), False, seq, f"step {expected_seq} is missing", stored
            )
        if step.get("hash") != step_hash(prev, step):
            return Verdict(
                call_id, len(steps), False, seq, "its content does not match its hash", stored
            )
        prev = str(step["hash"])
    if stored != prev:
        return Verdict(
            call_id,
            len(steps),
            False,
            None,
            "the call record's head is not the last step's hash (steps removed or added)",
            stored,
        )
    return Verdict(call_id, len(steps), True, head=stored)


def digest(heads: Iterable[tuple[str, str | None]]) -> str:
    """One hash over many calls' heads (sorted by call id): what to anchor outside."""
    h = hashlib.sha256(VERSION.encode())
    for call_id, head in sorted(heads):
        h.update(f"{call_id}\0{head or GENESIS}\n".encode())
    return h.hexdigest()
