"""Runs the reconciliation with the PBX's own records: after every AMI (re)connection (once the
resync of live channels is through the runner) and every ``period`` while connected.

One run reads the window the bridge may not have seen: from where the last run ended (at
start, Asterisk's time of the last event on record, ``last_pbx_event_at``; never more than
``lookback`` ago) minus ``margin``, to now. It waits for the ordered runner to be idle,
compares each call the records name with its timeline (``domain/reconcile.plan_call``) and
hands the missing events to the runner, in order; the store drops any step already there
(same source id), so runs may overlap freely. A failure to read the PBX's records (database,
file, timeout) is logged and counted, never raised: the next run covers the window again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from callcenter.domain.pbx_log import (
    CallerLeg,
    PbxRecords,
    calls_from,
    local_one,
    resolve_call_ids,
)
from callcenter.domain.reconcile import SeenStep, plan_call
from callcenter.pipeline.runner import OrderedRunner

log = logging.getLogger(__name__)


class PbxLogReader(Protocol):
    source: str

    async def read(self, since: datetime, until: datetime) -> PbxRecords: ...


class CallRecords(Protocol):
    """What the reconciler reads of callcenter's own record (``storage.TimelineStore``)."""

    async def last_pbx_event_at(self) -> datetime | None: ...

    async def existing(self, call_ids: set[str]) -> set[str]: ...

    async def timeline(
        self, call_id: str, *, after_seq: int = 0, limit: int = 1000
    ) -> list[dict[str, Any]]: ...


@dataclass
class ReconcileStats:
    runs: int = 0
    errors: int = 0
    steps: int = 0  # events reconstructed and handed to the runner
    calls_recovered: int = 0  # calls marked lost that the records explained
    calls_added: int = 0  # calls the timeline did not know
    refused: int = 0  # PBX steps the lifecycle would not take


class Reconciler:
    def __init__(
        self,
        reader: PbxLogReader,
        runner: OrderedRunner,
        records: CallRecords,
        *,
        margin: timedelta = timedelta(seconds=60),
        settle: timedelta = timedelta(seconds=10),
        lookback: timedelta = timedelta(hours=12),
        read_timeout: float = 20.0,
        caller_leg: CallerLeg = CallerLeg.AUTO,
        inbound_context: str = "from-pstn",
        e164: Callable[[str], str | None] = lambda _raw: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.reader = reader
        self.runner = runner
        self.records = records
        self.margin = margin
        self.settle = settle
        self.lookback = lookback
        self.read_timeout = read_timeout
        self.caller_leg = caller_leg
        self.inbound_context = inbound_context
        self.e164 = e164
        self.clock = clock
        self.stats = ReconcileStats()
        self._covered: datetime | None = None  # where the last successful run's window ended
        self._wake = asyncio.Event()
        self._resynced_at: datetime | None = None

    def request(self) -> None:
        """Run as soon as possible (the bridge has just resynced after a (re)connection).
        Every call that ended before now is then the PBX records' to tell: its end was
        before the snapshot, so no AMI event of it is on its way."""
        self._resynced_at = self.clock()
        self._wake.set()

    async def serve(self, connected: Callable[[], bool], period: float) -> None:
        """Until cancelled: a run when requested, and every ``period`` seconds while
        ``connected()``. Never raises (a run's failure is counted)."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(period):
                    await self._wake.wait()
            # the flag, not wait()'s return: a request made as the timeout fired counts too
            requested = self._wake.is_set()
            self._wake.clear()
            horizon, self._resynced_at = self._resynced_at, None
            if requested or connected():
                await self.run(horizon=horizon)

    async def run(self, *, until: datetime | None = None, horizon: datetime | None = None) -> int:
        """One reconciliation of ``[start - margin, until]`` (``until``: now); only calls the
        PBX records as ended before ``horizon`` (``until - settle``) are touched. Returns the
        events handed to the runner (0 on failure, counted in ``stats.errors``)."""
        self.stats.runs += 1
        until = until or self.clock()
        horizon = horizon or until - self.settle
        try:
            start = self._covered or await self.records.last_pbx_event_at()
            # never further back than the lookback (a room switched off for a week)
            oldest = until - self.lookback
            since = (max(start, oldest) if start else oldest) - self.margin
            async with asyncio.timeout(self.read_timeout):
                found = await self.reader.read(since, until)
            added = await self._apply(found, horizon)
        except Exception:
            self.stats.errors += 1
            log.exception("reconciliation with the PBX's records failed (will retry)")
            return 0
        # The next run starts where the calls still open may have rows: before the horizon.
        self._covered = min(horizon, until)
        if added:
            log.info("reconciled %d steps from the PBX's %s", added, found.source)
        return added

    async def _apply(self, found: PbxRecords, horizon: datetime) -> int:
        await self.runner.drain()  # the resync and every live event first
        callids = {row.callid for row in found.queue_log}
        candidates = set(callids)
        for callid in callids:
            candidates.update(local_one(callid))
        known = await self.records.existing(candidates)
        ids = resolve_call_ids(callids, found.cel, known, self.caller_leg)
        processor = self.runner.processor
        received_at = self.clock()
        added = 0
        for pbx in calls_from(found, ids, inbound_context=self.inbound_context):
            if pbx.ended_at is None or pbx.ended_at > horizon:
                continue
            call = await processor.current(pbx.call_id)
            if call is not None and call.line_ended:
                continue  # followed to its end (plan_call would say the same)
            seen = [_seen(row) for row in await self.records.timeline(pbx.call_id, limit=10_000)]
            plan = plan_call(
                pbx,
                call,
                seen,
                horizon=horizon,
                received_at=received_at,
                source=found.source,
                e164=self.e164,
            )
            self.stats.refused += plan.refused
            if not plan.events:
                continue
            self.stats.calls_recovered += plan.recovered
            self.stats.calls_added += plan.new_call
            for event in plan.events:
                self.runner.put_nowait(event)
            added += len(plan.events)
        self.stats.steps += added
        await self.runner.drain()
        return added


def _seen(row: dict[str, Any]) -> SeenStep:
    payload = row.get("payload") or {}
    at = row["at"]
    own = payload.get("event_at") if isinstance(payload, dict) else None
    if isinstance(own, str):
        with contextlib.suppress(ValueError):
            at = datetime.fromisoformat(own)
    seat = payload.get("seat") if isinstance(payload, dict) else None
    return SeenStep(
        kind=str(row["kind"]),
        at=at,
        inferred=bool(row["inferred"]),
        clock=str(row["clock"]),
        seat=seat if isinstance(seat, str) else None,
    )
