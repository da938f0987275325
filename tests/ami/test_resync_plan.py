"""What a snapshot means for one call (pure): inferred steps, then the resync step."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.domain.call import Call, CallState
from callcenter.domain.events import Clock
from callcenter.domain.resync import LostCallView, PbxCallView, plan_lost, plan_resync

T0 = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
S = CallState


def view(pbx_state: str, seat: str | None = None) -> PbxCallView:
    return PbxCallView(
        call_id="1.1",
        source_id="resync-x",
        gap_started=T0,
        gap_ended=T0 + timedelta(seconds=3),
        received_at=T0 + timedelta(seconds=3),
        pbx_state=pbx_state,
        queue="line19",
        seat=seat,
        position=2,
        caller_raw="0612345678",
        age_seconds=40,
    )


@pytest.mark.parametrize(
    ("state", "pbx_state", "seat", "expected"),
    [
        (None, "waiting", None, ["CallEntered", "CallerQueued", "CallResynced"]),
        (None, "talking", "Seat 02", ["CallEntered", "CallerQueued", "CallerLeftQueue", "CallAnswered", "CallResynced"]),  # noqa: E501
        (None, "other", None, ["CallEntered", "CallResynced"]),
        (S.RINGING, "waiting", None, ["CallerQueued", "CallResynced"]),
        (S.QUEUED, "waiting", None, ["CallResynced"]),
        (S.OFFERED, "talking", "Seat 02", ["CallerLeftQueue", "CallAnswered", "CallResynced"]),
        (S.QUEUED, "talking", None, ["CallResynced"]),  # no seat to name: nothing to infer
        (S.ANSWERED, "talking", "Seat 02", ["CallResynced"]),
        (S.ANSWERED, "waiting", None, ["CallerQueued", "CallResynced"]),  # redirected back
        (S.ABANDONED, "waiting", None, []),
        (S.CLOSED, "talking", "Seat 02", []),
    ],
)  # fmt: skip
def test_plan_resync(
    state: CallState | None, pbx_state: str, seat: str | None, expected: list[str]
) -> None:
    call = None if state is None else Call(id="1.1", state=state, rang_at=T0)
    events = plan_resync(call, view(pbx_state, seat))
    assert [type(e).__name__ for e in events] == expected
    *inferred, last = events or [None]
    for e in inferred:
        assert e is not None and e.inferred and e.clock is Clock.INFERRED
    if last is not None:
        assert not last.inferred, "the resync itself was observed, not inferred"
    if events:
        assert len({e.source_id for e in events}) == len(events)
    if state is None:
        assert events[0].at == T0 + timedelta(seconds=3 - 40)  # when the oldest leg appeared


def test_plan_lost_only_for_live_calls() -> None:
    lost = LostCallView(
        call_id="1.1", source_id="resync-x", gap_started=T0, gap_ended=T0, received_at=T0
    )
    assert plan_lost(None, lost) == []
    assert plan_lost(Call(id="1.1", state=S.ABANDONED), lost) == []
    (event,) = plan_lost(Call(id="1.1", state=S.ANSWERED), lost)
    assert event.inferred and event.source_id == "resync-x:lost"


@pytest.mark.parametrize(
    ("state", "wait", "queued_after_entry"),
    [(None, 7, 33), (S.RINGING, 7, None), (None, 60, 0)],  # a wait longer than the age: entry
)
def test_a_waiting_callers_queue_time_is_the_pbxs_wait(
    state: CallState | None, wait: int, queued_after_entry: int | None
) -> None:
    """QueueStatus says how long the caller has waited (``Wait``), CoreShowChannels how long
    its channels have lived (``Duration``): the steps inferred for the gap take their times
    from them, not from the moment of the snapshot."""
    call = None if state is None else Call(id="1.1", state=state, rang_at=T0)
    events = plan_resync(call, replace(view("waiting"), wait_seconds=wait))
    at = {type(e).__name__: e.at for e in events}
    assert at["CallerQueued"] == max(T0 + timedelta(seconds=3 - wait), at.get("CallEntered", T0))
    if queued_after_entry is not None:
        assert at["CallEntered"] == T0 + timedelta(seconds=3 - 40)
        assert at["CallerQueued"] - at["CallEntered"] == timedelta(seconds=queued_after_entry)
    assert at["CallResynced"] == T0 + timedelta(seconds=3)


@pytest.mark.parametrize(
    ("state", "pbx_state", "expected"),
    [
        (None, "waiting", ["CallEntered", "CallerQueued", "SeatOffered", "CallResynced"]),
        (S.QUEUED, "waiting", ["SeatOffered", "CallResynced"]),
        (S.OFFERED, "waiting", ["CallResynced"]),  # its ring was seen
        (None, "talking", ["CallEntered", "CallerQueued", "SeatOffered", "CallerLeftQueue",
                           "CallAnswered", "CallResynced"]),
        (S.QUEUED, "talking", ["SeatOffered", "CallerLeftQueue", "CallAnswered", "CallResynced"]),
        (S.OFFERED, "talking", ["CallerLeftQueue", "CallAnswered", "CallResynced"]),
    ],
)  # fmt: skip
def test_a_seats_channel_in_the_snapshot_is_its_ring(
    state: CallState | None, pbx_state: str, expected: list[str]
) -> None:
    """A seat's channel with the caller's Linkedid rings for it (waiting) or talks with it:
    the ring began when that channel was made (its Duration), as AgentCalled would have said."""
    call = None if state is None else Call(id="1.1", state=state, rang_at=T0)
    seat = "Seat 02" if pbx_state == "talking" else None
    shown = replace(view(pbx_state, seat), ringing_seat="Seat 02", ring_seconds=2)
    events = plan_resync(call, shown)
    assert [type(e).__name__ for e in events] == expected
    (offered,) = [e for e in events if type(e).__name__ == "SeatOffered"] or [None]
    if offered is not None:
        assert offered.at == T0 + timedelta(seconds=3 - 2)
        assert getattr(offered, "seat", None) == "Seat 02"
    too_old = plan_resync(call, replace(shown, ring_seconds=60))  # clocks apart: not before
    assert all(e.at >= (call.rang_at if call else T0 + timedelta(seconds=3 - 40)) for e in too_old)


def test_a_queue_exit_seen_before_the_gap_is_not_inferred_again() -> None:
    """QueueCallerLeave came, then the connection was cut before AgentConnect."""
    call = Call(id="1.1", state=S.OFFERED, rang_at=T0)
    events = plan_resync(call, replace(view("talking", "Seat 02"), left_queue_seen=True))
    assert [type(e).__name__ for e in events] == ["CallAnswered", "CallResynced"]
