"""The auditor's export: one JSON object per call, its record fields and ordered timeline.

The format is documented in README.md ("Export format") and versioned by ``export_version``:
fields may be added, never renamed or removed, without bumping it. Added in version 1:
``wait_seconds`` (the caller's wait from entry to the answer or the hang-up, overflow rounds
included) and ``reached_overflow`` (the caller was on the overflow path), both computed with
``callcenter.domain.outcomes``, the definitions the statistics and the simulator use.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from callcenter.domain import outcomes
from callcenter.storage.store import TimelineStore

EXPORT_VERSION = 1
TIMELINE_FIELDS = (
    "seq",
    "kind",
    "at",
    "pbx_at",
    "received_at",
    "clock",
    "inferred",
    "source_id",
    "payload",
    "hash",  # the step's link in the call's hash chain (timeline_head is the last one)
)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def export_calls(
    store: TimelineStore, *, since: datetime | None = None, until: datetime | None = None
) -> AsyncIterator[dict[str, Any]]:
    async for record in store.calls(since=since, until=until):
        steps = await store.timeline(record["id"], limit=1_000_000)
        wait = outcomes.wait_seconds(
            record["outcome"],
            rang_at=record["rang_at"],
            answered_at=record["answered_at"],
            ended_at=record["ended_at"],
        )
        yield {
            "export_version": EXPORT_VERSION,
            **{k: _plain(v) for k, v in record.items()},
            "wait_seconds": wait,
            "reached_overflow": outcomes.reached_overflow(steps),
            "timeline": [{k: _plain(step[k]) for k in TIMELINE_FIELDS} for step in steps],
        }


def to_jsonl(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
