from __future__ import annotations

import random
from datetime import UTC, datetime

from callcenter.agi.admission import Admission, RoomLedger
from callcenter.agi.decision import OVERFLOW, QUEUE, PriorityPolicy, decide, safe_default
from callcenter.agi.lookups import PriorCall, RoomSnapshot
from callcenter.agi.numbers import classify


def snap(live: set[str], known: set[str] | None = None) -> RoomSnapshot:
    return RoomSnapshot(frozenset(live), frozenset(known if known is not None else live))


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_ledger_counts_admitted_calls_the_store_does_not_know_yet() -> None:
    ledger = RoomLedger(3)
    assert ledger.admit("a", snap({"x"})).admitted  # x in the store, a admitted
    assert ledger.admit("b", snap({"x"})).occupancy == 2  # x + a (not stored yet)
    third = ledger.admit("c", snap({"x"}))
    assert (third.admitted, third.occupancy) == (False, 3)
    assert ledger.pending() == {"a", "b"}


def test_a_stale_snapshot_applied_late_still_counts_admitted_calls() -> None:
    ledger = RoomLedger(2)
    ledger.admit("a", snap(set()))
    # a newer snapshot knows a (stored, live); then an older one, taken before a was stored
    assert ledger.admit("b", snap({"a"})).occupancy == 1
    late = ledger.admit("c", snap(set()))
    assert (late.admitted, late.occupancy) == (False, 2)


def test_ended_calls_stop_counting_once_the_store_knows() -> None:
    ledger = RoomLedger(1)
    ledger.admit("a", snap(set()))
    assert not ledger.admit("b", snap(set())).admitted
    # the store now knows a, and a has ended (known, not live)
    assert ledger.admit("b", snap(set(), known={"a"})).admitted


def test_release_and_expiry() -> None:
    clock = Clock()
    ledger = RoomLedger(1, ttl=30, clock=clock)
    ledger.admit("a", snap(set()))
    ledger.release("a")
    assert ledger.admit("b", snap(set())).admitted
    clock.t = 31
    assert ledger.pending() == frozenset()
    assert ledger.admit("c", snap(set())).admitted


def test_a_call_already_in_the_store_is_not_counted_twice() -> None:
    ledger = RoomLedger(2)
    assert ledger.admit("a", snap({"a", "x"})) == Admission(True, 1, 2)


NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
POLICY = PriorityPolicy()
MOBILE = classify("0612345678")


def prior(call_id: str, state: str = "closed", outcome: str | None = "answered") -> PriorCall:
    return PriorCall(id=call_id, rang_at=NOW, state=state, outcome=outcome)


def test_decide_priorities() -> None:
    room = Admission(True, 3, 60)
    first = decide(MOBILE, [], room, POLICY, window_minutes=30)
    assert (first.priority, first.route, first.degraded) == (0, QUEUE, False)
    two = decide(MOBILE, [prior("1"), prior("2")], room, POLICY, window_minutes=30)
    assert (two.priority, two.repeat_count, two.linked_call_ids) == (6, 2, ("1", "2"))
    many = decide(MOBILE, [prior(str(i)) for i in range(12)], room, POLICY, window_minutes=30)
    assert many.priority == POLICY.repeat_max
    back = decide(
        MOBILE, [prior("1"), prior("2", "abandoned", "abandoned")], room, POLICY, window_minutes=30
    )
    assert (back.priority, back.callback_after_abandon) == (10, True)


def test_decide_overflow_and_degraded() -> None:
    full = decide(MOBILE, [], Admission(False, 60, 60), POLICY, window_minutes=30)
    assert full.route == OVERFLOW
    assert "room full 60/60" in full.reason
    no_room = decide(MOBILE, [], None, POLICY, window_minutes=30, notes=["room_lookup_timeout"])
    assert (no_room.route, no_room.degraded, no_room.notes) == (
        QUEUE,
        True,
        ("room_lookup_timeout",),
    )
    no_repeat = decide(MOBILE, None, Admission(True, 0, 60), POLICY, window_minutes=30)
    assert (no_repeat.priority, no_repeat.degraded) == (0, True)
    withheld = decide(
        classify("anonymous"), None, Admission(True, 0, 60), POLICY, window_minutes=30
    )
    assert withheld.degraded is False  # nothing to look up is not a failure
    assert "caller ID withheld" in withheld.reason
    default = safe_default(POLICY, "repeat_lookup_timeout", "room_lookup_timeout")
    assert (default.route, default.priority, default.degraded) == (QUEUE, 0, True)


def test_recent_callers_window_and_bounds() -> None:
    from datetime import timedelta

    from callcenter.agi.recent import RecentCallers, merge

    recent = RecentCallers(timedelta(minutes=30), per_number=2, max_numbers=2)
    recent.seen("+212600000001", "a", NOW - timedelta(minutes=40))
    recent.seen("+212600000001", "b", NOW - timedelta(minutes=5))
    recent.seen("+212600000001", "c", NOW - timedelta(minutes=1))  # pushes "a" out
    since = NOW - timedelta(minutes=30)
    assert [p.id for p in recent.earlier("+212600000001", since, exclude="c")] == ["b"]
    recent.seen("+212600000002", "d", NOW)
    recent.seen("+212600000003", "e", NOW)  # the oldest number is forgotten
    assert recent.earlier("+212600000001", since, exclude="") == []
    stored = [PriorCall(id="b", rang_at=NOW, state="abandoned", outcome="abandoned")]
    fresh = [PriorCall(id="b", rang_at=NOW, state="ringing", outcome=None)]
    assert merge(stored, fresh) == stored  # the store's row wins


def test_confirmed_entries_leave_the_ledger_after_the_grace() -> None:
    clock = Clock()
    ledger = RoomLedger(5, ttl=30, confirm_grace=2, clock=clock)
    ledger.admit("a", snap(set()))
    ledger.admit("b", snap({"a"}))  # the store knows a (live) from now
    clock.t = 1
    assert ledger.pending() == {"a", "b"}  # an older snapshot could still be applied
    assert ledger.admit("c", snap(set())).occupancy == 2  # ...and would count a and b
    clock.t = 3
    assert ledger.pending() == {"b", "c"}  # a: known to the store for 2 s, asked no more
    assert ledger.admit("d", snap({"a"}, known={"a"})).occupancy == 3  # a from the store


class ReferenceLedger:
    """The ledger as first written (every admission re-reads every entry): the incremental
    ``RoomLedger`` must count exactly as it does."""

    def __init__(self, capacity: int, *, ttl: float, confirm_grace: float, clock: Clock) -> None:
        self.capacity = capacity
        self.ttl = ttl
        self.confirm_grace = confirm_grace
        self._clock = clock
        self._admitted: dict[str, float] = {}
        self._confirmed: dict[str, float] = {}

    def pending(self) -> frozenset[str]:
        self._expire()
        return frozenset(self._admitted)

    def admit(self, call_id: str, snapshot: RoomSnapshot) -> Admission:
        now = self._clock()
        for known in snapshot.known_ids:
            if known in self._admitted:
                self._confirmed.setdefault(known, now)
        self._expire()
        unseen = {c for c in self._admitted if c not in snapshot.known_ids}
        room = set(snapshot.live_ids) | unseen
        room.discard(call_id)
        occupancy = len(room)
        admitted = occupancy < self.capacity
        if admitted:
            self._admitted[call_id] = self._clock()
        return Admission(admitted=admitted, occupancy=occupancy, capacity=self.capacity)

    def release(self, call_id: str) -> None:
        self._admitted.pop(call_id, None)
        self._confirmed.pop(call_id, None)

    def _expire(self) -> None:
        now = self._clock()
        stale = [c for c, at in self._admitted.items() if at < now - self.ttl]
        stale += [c for c, at in self._confirmed.items() if at < now - self.confirm_grace]
        for call_id in stale:
            self._admitted.pop(call_id, None)
            self._confirmed.pop(call_id, None)


def test_the_incremental_ledger_counts_as_the_reference_does() -> None:
    rng = random.Random(19)
    for _ in range(30):
        clock = Clock()
        mine = RoomLedger(8, ttl=5, confirm_grace=1, clock=clock)
        reference = ReferenceLedger(8, ttl=5, confirm_grace=1, clock=clock)
        ids = [f"c{i}" for i in range(25)]
        snapshots: list[RoomSnapshot] = []
        for _ in range(300):
            step = rng.random()
            if step < 0.15:
                clock.t += rng.choice([0.1, 0.5, 1.5, 6.0])
            elif step < 0.3 or not snapshots:
                known = set(rng.sample(ids, rng.randint(0, 12)))
                live = {c for c in known if rng.random() < 0.6}
                snapshots.append(snap(live, known))
            elif step < 0.4:
                call_id = rng.choice(ids)
                mine.release(call_id)
                reference.release(call_id)
            else:
                # sessions of a burst share a snapshot; a late one may be older than the last
                snapshot = snapshots[-1] if rng.random() < 0.8 else rng.choice(snapshots)
                call_id = rng.choice(ids)
                assert mine.admit(call_id, snapshot) == reference.admit(call_id, snapshot)
            assert mine.pending() == reference.pending()


def test_recent_callers_keep_what_the_store_said_last() -> None:
    from datetime import timedelta

    from callcenter.agi.recent import RecentCallers

    recent = RecentCallers(timedelta(minutes=30), per_number=2)
    assert not recent.warm
    recent.load({"+1": [prior("a", "closed"), prior("b", "queued", None)]})
    assert recent.warm
    recent.seen("+1", "b", NOW)  # already known from the store: its row stays
    recent.remember("+1", [prior("b", "abandoned", "abandoned")])  # the store, later
    since = NOW - timedelta(minutes=30)
    assert {p.id: p.state for p in recent.earlier("+1", since, exclude="")} == {
        "a": "closed",
        "b": "abandoned",
    }
    newer = PriorCall(id="c", rang_at=NOW + timedelta(minutes=1), state="ringing", outcome=None)
    recent.remember("+1", [newer])  # three: the oldest goes
    assert recent.earlier("+1", since, exclude="")[0].id == "c"
    assert len(recent.earlier("+1", since, exclude="")) == 2
