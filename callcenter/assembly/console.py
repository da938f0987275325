"""``callcenter dispatch-console``: a radio operator's view of the queue, in a terminal.

Lists open tickets (most urgent first) with the nearest available units when the ticket has
coordinates, or acknowledges one ticket with a unit. Works on the embedded database alone and,
with Redis configured, as a console of the dispatch stream's consumer group; then an
acknowledgement is also announced on the shared live log (``/live/dispatch``). Without Redis
the room announces it when it records it.
"""

from __future__ import annotations

from collections.abc import Callable

from callcenter.assembly.dispatch import build_dispatch
from callcenter.dispatch.handoff import PipelineCalls
from callcenter.errors import DispatchError
from callcenter.live.hub import LiveHub
from callcenter.messaging.connection import connect
from callcenter.messaging.fanout import RedisStreamLog
from callcenter.pipeline.direct import ProcessorSink
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.settings import Settings
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore


async def run_console(
    settings: Settings,
    *,
    console: str,
    ack: str | None = None,
    unit: str | None = None,
    by: str | None = None,
    write: Callable[[str], object] = print,
) -> int:
    """List the queue, or acknowledge ``ack`` with ``unit``; returns the exit status."""
    engine = create_engine(settings.database_url(), echo=settings.database.echo)
    cfg = settings.dispatch
    redis = None
    live_log = None
    if settings.redis.url:
        redis = connect(settings.redis.url, timeout=cfg.redis_timeout_seconds)
        live_log = RedisStreamLog.from_url(settings.redis.url, key=settings.redis.live_stream)
    try:
        await upgrade(engine)
        store = TimelineStore(engine)
        processor = CallProcessor(store, NullNotifier())
        sink = ProcessorSink(processor)
        calls = PipelineCalls(processor, store)
        # Not the room: acknowledgements go to the ticket table (and XACK); the room's
        # pipeline puts them on the call's timeline (one writer per call).
        dispatch = build_dispatch(
            settings,
            store,
            sink,
            redis=redis,
            console=console,
            calls=calls,
            room=False,
            live=LiveHub(live_log) if live_log is not None else None,  # publishing only
        )
        await dispatch.units.seed_defaults()
        mode = "redis" if redis is not None else "embedded"
        if ack is not None:
            if not unit or not by:
                write("error: --ack needs --unit and --by")
                return 2
            try:
                await dispatch.desk.pending()  # a stream console must hold the entry to XACK it
                ticket = await dispatch.desk.acknowledge(ack, unit, by)
            except DispatchError as exc:
                write(f"error: {exc}")
                return 1
            when = ticket.acknowledged_at.isoformat() if ticket.acknowledged_at else ""
            write(
                f"acknowledged {ticket.id} call {ticket.call_id}: {ticket.unit} by "
                f"{ticket.acknowledged_by} at {when}"
            )
            return 0
        tickets = await dispatch.desk.pending()
        write(f"{len(tickets)} pending dispatch tickets ({mode} mode, console {console})")
        for t in tickets:
            q = t.qualification
            where = q.address
            if q.latitude is not None and q.longitude is not None:
                where += f" ({q.latitude:.5f}, {q.longitude:.5f})"
            write(
                f"{t.id}  {q.priority}  {q.incident_type:<17}  {t.state.value:<9}  "
                f"call {t.call_id}  {t.created_at.isoformat()}  {where}"
            )
            if q.callback_e164 or q.notes:
                write(f"    callback {q.callback_e164 or '-'}  notes: {q.notes or '-'}")
            for d in await dispatch.units.nearest(t):
                write(f"    unit {d.unit.id:<8} {d.unit.kind.value:<9} {d.km:6.2f} km")
        return 0
    finally:
        if redis is not None:
            await redis.aclose()
        if live_log is not None:
            await live_log.close()
        await engine.dispose()
