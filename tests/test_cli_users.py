"""`callcenter users add/list/disable` and `callcenter serve` refusing the default secret."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callcenter.auth.passwords import Passwords
from callcenter.cli import cli
from callcenter.settings import Settings
from callcenter.storage.database import create_engine
from callcenter.storage.users import UserStore


def test_users_verbs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(
        cli,
        ["users", "add", "amina", "--role", "operator", "--seat", "Seat 03"],
        input="a long passphrase\na long passphrase\n",
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(
        cli, ["users", "add", "amina", "--role", "auditor", "--password", "another passphrase"]
    )
    assert again.exit_code == 1 and "exists" in again.output
    shouting = runner.invoke(
        cli, ["users", "add", "AMINA", "--role", "auditor", "--password", "another passphrase"]
    )
    assert shouting.exit_code == 1 and "exists" in shouting.output
    for name, seat in (("omar", "Seat\u202e30"), ("omar", "Seat\t03"), ("om ar", "Seat 04")):
        odd = runner.invoke(
            cli,
            ["users", "add", name, "--role", "operator", "--seat", seat, "--password", "x" * 12],
        )
        assert odd.exit_code == 2, (name, seat, odd.output)
    no_seat = runner.invoke(
        cli, ["users", "add", "omar", "--role", "operator", "--password", "a long passphrase"]
    )
    assert no_seat.exit_code == 2
    bad_role = runner.invoke(
        cli, ["users", "add", "omar", "--role", "boss", "--password", "a long passphrase"]
    )
    assert bad_role.exit_code == 2
    runner.invoke(cli, ["users", "add", "sara", "--role", "auditor", "--password", "x" * 12])
    listed = runner.invoke(cli, ["users", "list"])
    assert listed.output.splitlines() == [
        "amina\toperator\tSeat 03\tenabled",
        "sara\tauditor\t-\tenabled",
    ]
    assert runner.invoke(cli, ["users", "disable", "sara"]).exit_code == 0
    assert runner.invoke(cli, ["users", "disable", "nobody"]).exit_code == 1
    assert "sara\tauditor\t-\tdisabled" in runner.invoke(cli, ["users", "list"]).output

    async def stored_hash() -> str:
        engine = create_engine(Settings().database_url())
        user = await UserStore(engine).get("amina")
        await engine.dispose()
        assert user is not None
        return user.password_hash

    password_hash = asyncio.run(stored_hash())
    assert password_hash.startswith("$argon2id$")
    assert Passwords().verify(password_hash, "a long passphrase")


def test_serve_refuses_the_default_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CALLCENTER_API__JWT_SECRET", raising=False)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert "change-me" in result.output
