"""The supervisor wallboard's live feed: seat changes with their time in state, the board every
few seconds (queue statistics over 15 min / 1 h / shift, the burn-rate forecast, the seats with
their operator and call, the alerts), and an ``alert`` event when a new alert appears.

Run it in the one process that runs the statistics feed (``create_app`` does, with
``stats_interval``). It reads the seat board every ``seat_poll_seconds`` (a dictionary
comparison; the board lives in memory) and publishes:

- ``seat`` / ``state`` (seat=name): ``{state, paused_reason, call_id, since}`` on each change;
- ``stats`` / ``board``: the whole board (``Board.payload``), every ``interval`` seconds;
- ``alert`` / ``<kind>`` (``burn_rate``, ``seat_ringing``, ``pbx_down``...): once per alert key
  when it first holds, with the alert as payload.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from callcenter.api.ports import Services
from callcenter.settings import WallboardSettings
from callcenter.stats.alerts import Alert, room_alerts
from callcenter.stats.board_source import read_calls, read_room_facts
from callcenter.stats.burn_rate import BurnFacts, Forecast, Status, confirmed, forecast
from callcenter.stats.queue import WINDOWS, compute
from callcenter.stats.seat_clock import SeatSince, advance
from callcenter.stats.source import read_facts

log = logging.getLogger(__name__)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _alert_payload(alert: Alert) -> dict[str, Any]:
    body = asdict(alert)
    body["since"] = _iso(alert.since)
    return body


class SeatClock:
    """The seats' time in state, kept by whoever reads the board (the feed, or a route)."""

    def __init__(self) -> None:
        self.seats: dict[str, SeatSince] = {}

    def update(self, svc: Services, now: datetime) -> list[tuple[str, SeatSince]]:
        self.seats, changed = advance(self.seats, svc.seats.seats(), now)
        return changed


async def build_board(
    svc: Services,
    clock: SeatClock,
    settings: WallboardSettings,
    *,
    sla_seconds: float,
    wrapup_seconds: float,
    now: datetime,
    previous_burn: Status | None = None,
) -> dict[str, Any]:
    """The wallboard as one JSON object (``GET /wallboard/board`` and ``stats``/``board``).

    ``previous_burn`` is the raw status of the forecast one tick before (``confirmed``); the
    board carries this one's as ``burn.raw_status``."""
    clock.update(svc, now)
    async with asyncio.timeout(10):
        facts = await read_facts(svc.store.engine, now)
        room = await read_room_facts(svc.store.engine, now)
        calls = await read_calls(
            svc.store.engine, [s.call_id for s in clock.seats.values() if s.call_id]
        )
        operators = {u.seat: u.username for u in await svc.users.all() if u.seat and not u.disabled}
    seats = svc.seats.seats()
    windows = {
        name: compute(
            now=now,
            window=name,
            answered=facts.answered,
            abandoned=facts.abandoned,
            waiting_since=facts.waiting_since,
            seats=seats,
        )
        for name in WINDOWS
    }
    sla_window = windows["15m"]
    left = sla_window.answered + sla_window.abandoned
    hits = sum(
        1
        for s in facts.answered
        if sla_window.since <= s.at <= now
        and s.hold_seconds is not None
        and s.hold_seconds <= sla_seconds
    )
    by_state = sla_window.seats_by_state
    raw = forecast(
        BurnFacts(
            arrivals_per_second=room.arrivals_per_second,
            queue_depth=sla_window.calls_waiting,
            longest_wait_seconds=sla_window.longest_wait_seconds or 0.0,
            free_seats=by_state.get("available", 0),
            staffed_seats=sum(
                by_state.get(k, 0) for k in ("available", "ringing", "in_call", "wrap_up")
            ),
            handling_seconds=room.talk_seconds + wrapup_seconds,
            window_hits=hits,
            window_left=left,
        ),
        target_seconds=sla_seconds,
        target_ratio=settings.target_ratio,
        horizon_seconds=settings.burn_horizon_seconds,
    )
    prediction = confirmed(previous_burn, raw)
    links = {
        "ami": "absent" if svc.pbx_connected is None else ("ok" if svc.pbx_connected() else "down")
    }
    if svc.hub.log.shared:
        links["redis"] = "ok" if await svc.hub.log.ping() else "down"
    alerts = room_alerts(
        now=now,
        seats=clock.seats,
        ring_alert_seconds=settings.ring_alert_seconds,
        links=links,
        degraded_entries=room.degraded_entries,
        escalations=room.escalations,
        forecast=prediction,
    )
    return {
        "at": now.isoformat(),
        "windows": {
            name: {**asdict(w), "since": w.since.isoformat(), "overflowing": room.overflowing}
            for name, w in windows.items()
        },
        "burn": {**_forecast_payload(prediction, settings, sla_seconds), "raw_status": raw.status},
        "seats": [
            _seat_payload(seat.name, clock.seats.get(seat.name), calls, operators) for seat in seats
        ],
        "alerts": [_alert_payload(a) for a in alerts],
        "links": links,
    }


def _forecast_payload(
    f: Forecast, settings: WallboardSettings, sla_seconds: float
) -> dict[str, Any]:
    return {
        **asdict(f),
        "target_seconds": sla_seconds,
        "target_percent": round(settings.target_ratio * 100, 1),
    }


def _seat_payload(
    name: str,
    since: SeatSince | None,
    calls: dict[str, dict[str, Any]],
    operators: dict[str, str],
) -> dict[str, Any]:
    call = calls.get(since.call_id) if since and since.call_id else None
    return {
        "name": name,
        "state": since.state if since else "logged_out",
        "paused_reason": since.paused_reason if since else None,
        "call_id": since.call_id if since else None,
        "since": _iso(since.since) if since else None,
        "operator": operators.get(name),
        "call": None
        if call is None
        else {
            "id": call["id"],
            "rang_at": _iso(call["rang_at"]),
            "answered_at": _iso(call["answered_at"]),
            "incident_type": call["incident_type"],
            "priority": call["priority"],
            "caller_e164": call["caller_e164"],
        },
    }


def seat_state_payload(since: SeatSince) -> dict[str, Any]:
    return {
        "state": since.state,
        "paused_reason": since.paused_reason,
        "call_id": since.call_id,
        "since": since.since.isoformat(),
    }


class BoardFeed:
    """Publishes the wallboard's events (see module doc); ``clock`` is shared with the routes."""

    def __init__(
        self,
        svc: Services,
        settings: WallboardSettings,
        *,
        interval: float,
        sla_seconds: float,
        wrapup_seconds: float,
    ) -> None:
        self.svc = svc
        self.settings = settings
        self.interval = interval
        self.sla_seconds = sla_seconds
        self.wrapup_seconds = wrapup_seconds
        self.clock = SeatClock()
        self._alerted: set[str] = set()
        self.burn: Status | None = None  # the last forecast's raw status (see ``confirmed``)

    async def publish_seats(self) -> None:
        for name, since in self.clock.update(self.svc, datetime.now(UTC)):
            await self.svc.hub.publish(
                "seat", "state", seat=name, payload=seat_state_payload(since)
            )

    async def publish_board(self) -> dict[str, Any]:
        await self.publish_seats()  # the board's seats are never newer than the seat events
        board = await build_board(
            self.svc,
            self.clock,
            self.settings,
            sla_seconds=self.sla_seconds,
            wrapup_seconds=self.wrapup_seconds,
            now=datetime.now(UTC),
            previous_burn=self.burn,
        )
        self.burn = board["burn"]["raw_status"]
        await self.svc.hub.publish("stats", "board", payload=board)
        keys = set()
        for alert in board["alerts"]:
            keys.add(alert["key"])
            # Escalations already have their alert (from the lifecycle, on the dispatch feed too).
            if alert["key"] not in self._alerted and alert["kind"] != "dispatch_escalated":
                await self.svc.hub.publish(
                    "alert",
                    alert["kind"],
                    call_id=alert["call_id"],
                    seat=alert["seat"],
                    payload=alert,
                )
        self._alerted = keys
        return board

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_board = loop.time()
        while True:
            try:
                if loop.time() >= next_board:
                    next_board = loop.time() + self.interval
                    await self.publish_board()
                else:
                    await self.publish_seats()
            except (SQLAlchemyError, OSError, TimeoutError) as exc:
                log.warning("board feed: %s", exc)
            await asyncio.sleep(self.settings.seat_poll_seconds)
