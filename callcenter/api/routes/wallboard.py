"""The supervisor wallboard's reads: its settings, the whole board now, the waiting callers.

The board is what the feed's ``stats``/``board`` event carries (``callcenter.api.boardfeed``):
a screen reads it once on load or after a gap, then follows the feed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from callcenter.api.access import GUARD, UNAUTHORIZED, Svc
from callcenter.api.boardfeed import BoardFeed, SeatClock, build_board
from callcenter.api.routes.room import RoomFacts
from callcenter.api.wallboard_schemas import ThresholdOut, WaitingCallOut, WallboardConfigOut
from callcenter.settings import WallboardSettings
from callcenter.stats.board_source import read_waiting

router = APIRouter(
    prefix="/wallboard", tags=["supervisor"], dependencies=GUARD, responses=UNAUTHORIZED
)


def _settings(request: Request) -> tuple[WallboardSettings, RoomFacts, BoardFeed | None]:
    state = request.app.state
    return state.wallboard, state.room_facts, state.board_feed


@router.get("/config")
async def wallboard_config(request: Request) -> WallboardConfigOut:
    """Tile colour thresholds (amber from ``warn``, red from ``alarm``; lower is worse when
    ``alarm`` < ``warn``), the answer target and the burn-rate horizon."""
    settings, room, _feed = _settings(request)
    return WallboardConfigOut(
        thresholds={k: ThresholdOut(**v.model_dump()) for k, v in settings.thresholds.items()},
        target_seconds=room.room.sla_answer_seconds,
        target_percent=round(settings.target_ratio * 100, 1),
        burn_horizon_seconds=settings.burn_horizon_seconds,
        ring_alert_seconds=settings.ring_alert_seconds,
        windows=["15m", "1h", "shift"],
    )


@router.get("/board")
async def wallboard_board(request: Request, svc: Svc) -> dict[str, Any]:
    """The board now: statistics per window, burn-rate forecast, seats, alerts, links."""
    settings, room, feed = _settings(request)
    return await build_board(
        svc,
        feed.clock if feed is not None else SeatClock(),
        settings,
        sla_seconds=room.room.sla_answer_seconds,
        wrapup_seconds=room.room.wrapup_seconds or 0,
        now=datetime.now(UTC),
        previous_burn=feed.burn if feed is not None else None,
    )


@router.get("/waiting")
async def waiting_calls(svc: Svc) -> list[WaitingCallOut]:
    """Callers in the queue in Asterisk's order (higher priority first, then the longest
    waiting), each with ``queue_priority``, ``position`` (1-based) and ``wait_seconds``."""
    now = datetime.now(UTC)
    calls = await read_waiting(svc.store.engine)
    out = []
    for call in calls:
        since = call["queued_at"] or call["rang_at"]
        wait = round((now - since).total_seconds(), 1) if since else None
        out.append(WaitingCallOut(**call, wait_seconds=wait))
    return out
