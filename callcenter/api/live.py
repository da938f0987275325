"""Live feeds over websockets: operator, supervisor, dispatch.

Connect with ``?token=<JWT>`` and, to resume, ``&after=<last seq received>``. Messages are JSON:

- ``{"type": "hello", "feed": ..., "seq": <resume point>}`` once, first;
- ``{"type": "event", "seq": n, "topic", "kind", "at", "call_id", "seat", "payload"}``: ``seq``
  is global and strictly increasing (a filtered feed skips numbers, never repeats or reorders);
- ``{"type": "trimmed", "seq": after, "first_available": n}``: what came between is no longer
  kept (re-read it over HTTP), the feed goes on from ``first_available``;
- ``{"type": "reset", "seq": head, "requested": after}``: the log went back to ``head``,
  below ``after`` (it restarted: a memory log with its process, a Redis that came back empty
  or without its last writes), so something may have been missed; reload state over HTTP,
  the feed goes on after ``head``. Sent at connection when ``after`` is beyond the log's end,
  and on an open feed as soon as the log is seen to have gone back (also ``trimmed``: a feed
  that cannot give what came between says so, whenever that is);
- ``{"type": "behind", "seq": last}``: the client read too slowly and its buffer overflowed;
  the server closes (code 4008): reconnect with ``after=last`` and nothing is lost.

Refusals close with 4401 (no valid token) or 4403 (role not allowed) after a ``{"type":
"error"}`` message. An open feed is closed the same way (4401) when its token expires and as
soon as its user is disabled: the disable route publishes a ``user``/``disabled`` message on
the live log, which every API process reads (the shared Redis log, or this process's memory
log), and each feed also re-reads its user from the database every ``RECHECK_SECONDS``
(disables made elsewhere: ``callcenter users disable``). ``user`` messages are never forwarded.
The operator feed carries only its own seat's calls and seat changes, and the ``dispatch``
events (``ticket_created``, ``ticket_escalated``, ``ticket_acknowledged``) of tickets of calls
its seat had; the supervisor feed everything; the dispatch feed topics ``dispatch`` and
``alert``.
Filters run once per client, in sequence order (they may keep state: see ``operator_filter``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from callcenter.api.access import AccessDeniedError, authorize_websocket, services
from callcenter.api.ports import Services
from callcenter.auth.tokens import Identity
from callcenter.live.hub import FellBehindError, Reset, Trimmed
from callcenter.live.messages import LiveMessage

router = APIRouter(tags=["live"])
log = logging.getLogger(__name__)
SEND_TIMEOUT = 10.0
RECHECK_SECONDS = 10.0
USER_TOPIC = "user"  # access changes (kind "disabled", payload username): never forwarded

Filter = Callable[[LiveMessage], bool]


MINE_LIMIT = 1000


def operator_filter(identity: Identity) -> Filter:
    """The operator's own seat: its seat changes, calls offered to or answered on it, and
    every later update of those calls even when they no longer name the seat (the caller
    hung up while it rang, it rang out, it moved to another seat: the panel must clear it);
    and the tickets of calls the seat had (``dispatch`` events name the call's seat)."""
    seat = identity.seat
    mine: dict[str, None] = {}  # call ids seen on this seat, oldest first (bounded)

    def accept(m: LiveMessage) -> bool:
        if m.topic in ("seat", "dispatch"):  # dispatch: tickets of calls the seat had
            return m.seat is not None and m.seat == seat
        if m.topic == "callback":  # the seat's own task, or an open one: ask for an offer
            return m.seat == seat if m.seat is not None else m.payload.get("status") == "open"
        if m.topic != "call" or m.call_id is None:
            return False
        if m.seat is not None and m.seat == seat:
            mine[m.call_id] = None
            if len(mine) > MINE_LIMIT:
                del mine[next(iter(mine))]
            return True
        if m.call_id in mine:
            if m.seat is not None or m.payload.get("state") in ("abandoned", "closed", "lost"):
                del mine[m.call_id]  # gone elsewhere or over: tell once, then stop
            return True
        return False

    return accept


def guarded(identity: Identity, accept: Filter) -> Filter:
    """``accept``, with access changes kept back: only this user's reach the sender (to close
    the feed), nobody's are forwarded."""

    def guard(m: LiveMessage) -> bool:
        if m.topic == USER_TOPIC:
            return m.payload.get("username") == identity.username
        return accept(m)

    return guard


async def access_ends(svc: Services, identity: Identity) -> str:
    """Wait until the identity may no longer read: token expired, user disabled or changed."""
    while True:
        now = datetime.now(UTC)
        wait = RECHECK_SECONDS
        if identity.expires_at is not None:
            left = (identity.expires_at - now).total_seconds()
            if left <= 0:
                return "token expired"
            wait = min(wait, left)
        await asyncio.sleep(wait)
        if identity.expires_at is not None and datetime.now(UTC) >= identity.expires_at:
            return "token expired"
        try:
            user = await svc.users.get(identity.username)
        except Exception as exc:  # the database is down: keep the feed, ask again later
            log.warning("could not re-check %s's access: %s", identity.username, exc)
            continue
        if user is None or user.disabled or user.role != identity.role.value:
            return "user unknown or disabled"


def supervisor_filter(_identity: Identity) -> Filter:
    return lambda m: True


def dispatch_filter(_identity: Identity) -> Filter:
    return lambda m: m.topic in ("dispatch", "alert")


async def _serve(
    websocket: WebSocket, feed: str, make_filter: Callable[[Identity], Filter]
) -> None:
    svc = services(websocket)
    await websocket.accept()
    try:
        identity = await authorize_websocket(websocket, svc)
        after_text = websocket.query_params.get("after")
        after = int(after_text) if after_text is not None else None
        if after is not None and after < 0:
            raise ValueError(after_text)
    except AccessDeniedError as exc:
        websocket.app.state.metrics.ws_rejected.labels(str(exc.code)).inc()
        await websocket.send_json({"type": "error", "detail": exc.detail})
        await websocket.close(code=4000 + exc.code, reason=exc.detail)
        return
    except ValueError:
        await websocket.send_json({"type": "error", "detail": "after must be an integer >= 0"})
        await websocket.close(code=4400, reason="bad after")
        return

    async def drain_incoming() -> None:
        # The client sends nothing we need; reading notices when it goes away.
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.receive_text()

    reader = asyncio.create_task(drain_incoming())
    accept = guarded(identity, make_filter(identity))
    sender = asyncio.create_task(_send(websocket, feed, after, accept))
    watcher = asyncio.create_task(access_ends(svc, identity))
    tasks = (reader, sender, watcher)
    revoked: str | None = None
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in (watcher, sender):
            if task.done() and not task.cancelled() and task.exception() is None:
                revoked = revoked or task.result()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task
    if revoked is not None:
        log.info("%s feed of %s closed: %s", feed, identity.username, revoked)
        websocket.app.state.metrics.ws_rejected.labels("401").inc()
        with contextlib.suppress(Exception):
            await websocket.send_json({"type": "error", "detail": revoked})
            await websocket.close(code=4401, reason=revoked)


async def _send(websocket: WebSocket, feed: str, after: int | None, accept: Filter) -> str | None:
    """Forward the feed until the client goes, falls behind (None), or the user's access is
    revoked (the reason: the caller closes with 4401)."""
    hub = services(websocket).hub
    head = await hub.log.last_seq()
    start = after if after is not None and after <= head else head
    await websocket.send_json({"type": "hello", "feed": feed, "seq": start})
    if after is not None and after > head:
        # The log restarted (memory log after a restart, or a flushed Redis): the client's
        # position means nothing here any more; it should reload its state over HTTP.
        await websocket.send_json({"type": "reset", "seq": head, "requested": after})
    last = start
    try:
        async for item in hub.stream(start, accept):
            async with asyncio.timeout(SEND_TIMEOUT):
                if isinstance(item, Trimmed):
                    await websocket.send_json(
                        {
                            "type": "trimmed",
                            "seq": item.after,
                            "first_available": item.first_available,
                        }
                    )
                elif isinstance(item, Reset):
                    await websocket.send_json(
                        {"type": "reset", "seq": item.head, "requested": item.requested}
                    )
                elif item.topic == USER_TOPIC:
                    return "user disabled"
                else:
                    # encoded once for every client of the message
                    await websocket.send_text(item.wire_text)
                    last = item.seq
    except FellBehindError as behind:
        log.info("%s feed client fell behind at %s", feed, behind.last_seq)
        with contextlib.suppress(Exception):
            await websocket.send_json({"type": "behind", "seq": behind.last_seq})
            await websocket.close(code=4008, reason="fell behind")
    except TimeoutError:
        log.info("%s feed client stopped reading at %s", feed, last)
        with contextlib.suppress(Exception):
            await websocket.close(code=4008, reason="fell behind")
    return None


@router.websocket("/live/operator")
async def operator_feed(websocket: WebSocket) -> None:
    """Offers for the operator's seat and their calls' updates."""
    await _serve(websocket, "operator", operator_filter)


@router.websocket("/live/supervisor")
async def supervisor_feed(websocket: WebSocket) -> None:
    """Every call and seat change, and statistics."""
    await _serve(websocket, "supervisor", supervisor_filter)


@router.websocket("/live/dispatch")
async def dispatch_feed(websocket: WebSocket) -> None:
    """Dispatch tickets and alerts."""
    await _serve(websocket, "dispatch", dispatch_filter)
