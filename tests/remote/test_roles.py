"""`callcenter serve --role`: bridge and api share the room, so they need PostgreSQL + Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from callcenter.cli import cli
from callcenter.remote.roles import RoleConfigError, ServeRole, check_role
from callcenter.settings import DatabaseSettings, RedisSettings, Settings

SECRET = "a-long-enough-secret-for-the-tests-0123456789"


@pytest.mark.parametrize("role", ["api", "bridge"])
def test_serve_refuses_sqlite_and_no_redis(
    role: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("CALLCENTER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CALLCENTER_API__JWT_SECRET", SECRET)
    monkeypatch.delenv("CALLCENTER_DATABASE__URL", raising=False)
    monkeypatch.delenv("CALLCENTER_REDIS__URL", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--role", role])
    assert result.exit_code == 2, result.output
    assert f"--role {role}" in result.output
    assert "PostgreSQL" in result.output and "Redis" in result.output


def test_serve_refuses_an_unknown_role() -> None:
    result = CliRunner().invoke(cli, ["serve", "--role", "everything"])
    assert result.exit_code == 2


def test_what_each_role_needs(tmp_path: Path) -> None:
    sqlite = Settings(data_dir=tmp_path)
    check_role(sqlite, ServeRole.ALL)  # the one-process room runs anywhere
    pg_only = Settings(database=DatabaseSettings(url="postgresql://u@h/db"))
    with pytest.raises(RoleConfigError, match="Redis") as refused:
        check_role(pg_only, ServeRole.API)
    assert "PostgreSQL" not in str(refused.value)
    both = Settings(
        database=DatabaseSettings(url="postgres://u@h/db"),
        redis=RedisSettings(url="redis://127.0.0.1:6379/0"),
    )
    check_role(both, ServeRole.API)
    check_role(both, ServeRole.BRIDGE)
