"""Structured JSON logs, and the demo's seeded accounts."""

from __future__ import annotations

import json
import logging

import pytest

from callcenter.api.logs import json_logging
from callcenter.auth.passwords import Passwords
from callcenter.demo import DEMO_PASSWORD, seed_demo_users
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import UserStore
from tests.api.room import FAST_HASHER


def test_json_logs(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        json_logging("INFO")
        logging.getLogger("callcenter.test").info(
            "seat %s paused", "Seat 03", extra={"seat": "Seat 03"}
        )
        line = capsys.readouterr().err.strip().splitlines()[-1]
        record = json.loads(line)
        assert record["message"] == "seat Seat 03 paused"
        assert record["level"] == "INFO" and record["logger"] == "callcenter.test"
        assert record["seat"] == "Seat 03" and "time" in record
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket %s" [accepted]',
            "127.0.0.1:5000",
            "/live/operator?token=eyJ.a.b&after=3",
        )
        leaked = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert leaked["message"] == (
            '127.0.0.1:5000 - "WebSocket /live/operator?token=[redacted]&after=3" [accepted]'
        )
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


async def test_demo_users_are_seeded_once(sqlite_store: TimelineStore) -> None:
    users = UserStore(sqlite_store.engine)
    passwords = Passwords(FAST_HASHER)
    added = await seed_demo_users(users, passwords)
    assert len(added) == 24
    op3 = await users.get("op03")
    assert op3 is not None and op3.seat == "Seat 03"
    assert passwords.verify(op3.password_hash, DEMO_PASSWORD)
    assert await seed_demo_users(users, passwords) == []
