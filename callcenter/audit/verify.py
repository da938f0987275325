"""``callcenter verify``: check the timelines' hash chains, one call or the whole store.

Prints one line per call whose chain does not hold (the first step that does not match, or a
head that is not the last step's), a summary, and the digest of every checked call's head:
the line to anchor outside the database (see docs/tamper-evident-timeline.md). Returns
whether every checked chain is intact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from callcenter.storage.chain import VERSION, digest
from callcenter.storage.store import TimelineStore


async def verify_store(
    store: TimelineStore,
    write: Callable[[str], object],
    *,
    call_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> bool:
    if call_id is not None:
        ids = [call_id]
    else:
        ids = [row["id"] async for row in store.calls(since=since, until=until)]
    heads: list[tuple[str, str]] = []
    broken = steps = 0
    for cid in ids:
        verdict = await store.verify(cid)
        if verdict is None:
            write(f"no call {cid}")
            return False
        steps += verdict.steps
        heads.append((cid, verdict.head))
        if not verdict.intact:
            broken += 1
            where = f"step {verdict.first_bad_seq}" if verdict.first_bad_seq else "head"
            write(f"BROKEN call {cid}: {where}: {verdict.reason}")
    state = "all intact" if broken == 0 else f"{broken} broken"
    write(f"checked {len(ids)} calls, {steps} steps: {state}")
    write(f"digest {VERSION} {digest(heads)} over {len(ids)} calls")
    return broken == 0
