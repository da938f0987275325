"""Users, the access log and the call search on SQLite and the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from callcenter.domain.call import Call, CallState
from callcenter.domain.effects import AppendTimeline
from callcenter.domain.events import Clock
from callcenter.storage.search import CallQuery, CallSearch
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import USERS, UserExistsError, UserStore

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


async def test_users_add_get_disable_and_unique_names(store: TimelineStore) -> None:
    users = UserStore(store.engine)
    await users.add("amina", "hash-1", "operator", "Seat 03")
    await users.add("karim", "hash-2", "supervisor", None)
    with pytest.raises(UserExistsError):
        await users.add("amina", "hash-3", "auditor", None)
    got = await users.get("amina")
    assert got is not None and (got.role, got.seat, got.password_hash) == (
        "operator",
        "Seat 03",
        "hash-1",
    )
    assert await users.set_disabled("amina") is True
    assert await users.set_disabled("nobody") is False
    listed = [(u.username, u.disabled) for u in await users.all()]
    assert listed == [("amina", True), ("karim", False)]


async def test_access_log_reads_newest_first(store: TimelineStore) -> None:
    users = UserStore(store.engine)
    for call_id in ("c1", "c2", "c1"):
        await users.log_access(username="aud", role="auditor", action="timeline", call_id=call_id)
    rows = await users.access_log(call_id="c1")
    assert [(r["call_id"], r["username"]) for r in rows] == [("c1", "aud"), ("c1", "aud")]
    assert rows[0]["id"] > rows[1]["id"] and rows[0]["at"].tzinfo is not None


def _call(call_id: str, minutes: int, **fields: object) -> Call:
    return Call(id=call_id, rang_at=T0 + timedelta(minutes=minutes), **fields)  # type: ignore[arg-type]


async def test_search_and_active(store: TimelineStore) -> None:
    step = AppendTimeline(
        call_id="a",
        kind="queued",
        at=T0,
        received_at=T0,
        source_id="s1",
        clock=Clock.PBX,
        payload={"channel": "PJSIP/trunk-0001", "queue": "line19"},
    )
    await store.save(
        _call("a", 0, caller_raw="0612345678", caller_e164="+212612345678", state=CallState.QUEUED),
        [step],
    )
    await store.save(
        _call("b", 5, caller_raw="0522000000", seat="Seat 03", state=CallState.ANSWERED), []
    )
    await store.save(_call("c", 10, state=CallState.ABANDONED, line_ended=True), [])
    await store.save(_call("d", 15, state=CallState.ANSWERED, line_ended=True), [])
    search = CallSearch(store.engine)
    assert [c["id"] for c in await search.active()] == ["a", "b"]
    assert [c["id"] for c in await search.search(CallQuery())] == ["d", "c", "b", "a"]
    by_number = await search.search(CallQuery(numbers=("+212612345678",)))
    assert [c["id"] for c in by_number] == ["a"]
    assert [c["id"] for c in await search.search(CallQuery(numbers=("0522000000",)))] == ["b"]
    window = CallQuery(since=T0 + timedelta(minutes=5), until=T0 + timedelta(minutes=15))
    assert [c["id"] for c in await search.search(window)] == ["c", "b"]
    assert [c["id"] for c in await search.search(CallQuery(seat="Seat 03"))] == ["b"]
    assert [c["id"] for c in await search.search(CallQuery(outcome="abandoned"))] == ["c"]
    assert await search.search(CallQuery(incident_type="fire")) == []
    assert await search.caller_channel("a") == "PJSIP/trunk-0001"
    assert await search.caller_channel("b") is None


async def test_user_names_are_unique_whatever_their_case(store: TimelineStore) -> None:
    users = UserStore(store.engine)
    await users.add("admin", "h", "admin", None)
    for clash in ("ADMIN", "Admin", "admin"):
        with pytest.raises(UserExistsError):
            await users.add(clash, "h", "admin", None)
    # The database holds it too, for writers that skip the check (or race it).
    with pytest.raises(IntegrityError):
        async with store.engine.begin() as conn:
            await conn.execute(
                USERS.insert().values(
                    username="aDmIn",
                    password_hash="h",
                    role="admin",
                    disabled=False,
                    created_at=datetime.now(UTC),
                )
            )
    assert [u.username for u in await users.all()] == ["admin"]
