"""The wallboard's pure parts: time in state per seat, and the alerts' rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.domain.seats import Seat, SeatState
from callcenter.stats.alerts import Escalation, room_alerts
from callcenter.stats.burn_rate import BurnFacts, forecast
from callcenter.stats.seat_clock import SeatSince, advance

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def seat(
    name: str, state: SeatState, call_id: str | None = None, reason: str | None = None
) -> Seat:
    return Seat(name=name, interface="PJSIP/x", state=state, call_id=call_id, paused_reason=reason)


def test_time_in_state_starts_at_each_change_and_only_then() -> None:
    board, changed = advance({}, [seat("S1", SeatState.AVAILABLE)], T0)
    assert changed == [("S1", board["S1"])] and board["S1"].since == T0
    later = T0 + timedelta(seconds=30)
    same, changed = advance(board, [seat("S1", SeatState.AVAILABLE)], later)
    assert changed == [] and same["S1"].since == T0
    rung, changed = advance(same, [seat("S1", SeatState.RINGING, "c1")], later)
    assert [n for n, _ in changed] == ["S1"] and rung["S1"].since == later
    # another call on the same seat in the same state is a change too
    other, changed = advance(rung, [seat("S1", SeatState.RINGING, "c2")], later + timedelta(1))
    assert changed and other["S1"].call_id == "c2"
    paused, _ = advance(other, [seat("S1", SeatState.PAUSED, reason="break")], later)
    assert paused["S1"].paused_reason == "break"


def _since(state: str, seconds: float, call_id: str | None = None) -> SeatSince:
    return SeatSince(
        state=state, paused_reason=None, call_id=call_id, since=T0 - timedelta(seconds=seconds)
    )


OK = forecast(
    BurnFacts(
        arrivals_per_second=0.1,
        queue_depth=0,
        longest_wait_seconds=0,
        free_seats=5,
        staffed_seats=20,
        handling_seconds=100,
        window_hits=50,
        window_left=50,
    )
)


def test_alert_rules() -> None:
    alerts = room_alerts(
        now=T0,
        seats={
            "Seat 01": _since("ringing", 20, "c1"),
            "Seat 02": _since("ringing", 5, "c2"),
            "Seat 03": _since("in_call", 500, "c3"),
        },
        ring_alert_seconds=15,
        links={"ami": "down", "redis": "absent"},
        degraded_entries=2,
        escalations=[
            Escalation(call_id="c9", ticket_id="T9", at=T0, priority="P1", incident_type="fire")
        ],
        forecast=OK,
    )
    assert [(a.kind, a.severity) for a in alerts] == [
        ("ami_down", "critical"),
        ("dispatch_escalated", "critical"),
        ("agi_degraded", "warning"),
        ("seat_ringing", "warning"),
    ]
    ringing = alerts[3]
    assert ringing.seat == "Seat 01" and ringing.key == "ringing:Seat 01:c1"
    assert ringing.detail == {"seconds": 20}


def test_nothing_to_say_on_a_quiet_room() -> None:
    assert (
        room_alerts(
            now=T0,
            seats={"Seat 01": _since("available", 999)},
            ring_alert_seconds=15,
            links={"ami": "ok", "redis": "absent"},
            degraded_entries=0,
            escalations=[],
            forecast=OK,
        )
        == []
    )
