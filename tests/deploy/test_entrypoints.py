"""Issue 17: the stack refuses to start with placeholder secrets, and Asterisk gets the same
secrets callcenter uses (the entry points run here with sh, as in the images)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy import stack
from tests.pbx.conf import sections

ROOT = stack.ROOT
CHECK = ROOT / "deploy" / "check-secrets.sh"
CALLCENTER_ENTRY = ROOT / "deploy" / "callcenter-entrypoint.sh"
ASTERISK_ENTRY = ROOT / "deploy" / "asterisk" / "entrypoint.sh"
GOOD = "0123456789abcdef0123456789abcdef"  # openssl rand -hex 16


def run(script: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "CHECK_SECRETS": str(CHECK)}
    return subprocess.run(
        ["sh", str(script), *args],
        env=base | env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("change-me-postgres", "placeholder"),
        ("CHANGE-ME" + GOOD, "placeholder"),
        ("callcenter", "placeholder"),  # the demo's AMI secret
        ("", "empty"),
        ("0123456789abcde", "shorter than 16"),
        (GOOD + ";x", "only A-Z"),  # ";" would start a comment in manager.conf
        (GOOD + "@x", "only A-Z"),  # "@" would break CALLCENTER_DATABASE__URL
        (GOOD + " x", "only A-Z"),
    ],
)
def test_a_bad_secret_is_refused_by_name_never_shown(value: str, why: str) -> None:
    result = run(CHECK, "SOME_SECRET", "--", "echo", "started", env={"SOME_SECRET": value})
    assert result.returncode == 78
    assert "SOME_SECRET" in result.stderr and why in result.stderr
    assert "started" not in result.stdout
    if value:
        assert value not in result.stderr


def test_a_good_secret_starts_the_command() -> None:
    result = run(CHECK, "A", "B:text", "--", "echo", "started", env={"A": GOOD, "B": "x://u:p@h"})
    assert (result.returncode, result.stdout.strip()) == (0, "started")


def test_an_unset_secret_and_a_short_jwt_secret_are_refused() -> None:
    result = run(CHECK, "UNSET", "X_JWT_SECRET", env={"X_JWT_SECRET": GOOD[:31]})
    assert result.returncode == 78
    assert "UNSET: not set" in result.stderr
    assert "X_JWT_SECRET: shorter than 32" in result.stderr


def test_every_secret_of_the_example_env_file_is_refused_as_it_is() -> None:
    """Copying room.env.example without filling it in cannot start a room."""
    example = stack.read_env_file(stack.ENV_EXAMPLE)
    secrets = [k for k in example if k.endswith(("PASSWORD", "SECRET", "TOKEN"))]
    assert len(secrets) == 6, secrets
    result = run(CHECK, *secrets, "CALLCENTER_PHONE__SEATS:text", env=example)
    assert result.returncode == 78
    for name in [*secrets, "CALLCENTER_PHONE__SEATS"]:
        assert f"{name}: still a placeholder" in result.stderr


def filled_env() -> dict[str, str]:
    """room.env.example with every placeholder replaced, as an administrator would."""
    env = stack.read_env_file(stack.ENV_EXAMPLE)
    for key in env:
        if key.endswith(("PASSWORD", "SECRET", "TOKEN")):
            env[key] = f"{key.lower()}-{GOOD}"
    seats = json.loads(env["CALLCENTER_PHONE__SEATS"])
    for name, account in seats.items():
        account["password"] = f"{account['user']}-{GOOD}"
        assert name == f"Seat {account['user'][-2:]}"
    env["CALLCENTER_PHONE__SEATS"] = json.dumps(seats)
    return env


def service_env(service: str, env: dict[str, str]) -> dict[str, str]:
    values = stack.compose(env)["services"][service]["environment"]
    return {k: str(v) for k, v in values.items()}


@pytest.mark.parametrize(
    ("args", "needs"),
    [
        (["serve", "--role", "all"], ["CALLCENTER_AMI__SECRET", "CALLCENTER_API__JWT_SECRET"]),
        (["serve", "--role=bridge"], ["CALLCENTER_AMI__SECRET"]),
        (["serve", "--role", "api"], ["CALLCENTER_API__JWT_SECRET"]),
        (["serve"], ["CALLCENTER_AMI__SECRET", "CALLCENTER_API__JWT_SECRET"]),
    ],
)
def test_callcenter_entry_point_checks_what_the_role_needs(
    args: list[str], needs: list[str]
) -> None:
    env = service_env("callcenter", filled_env()) | {"CALLCENTER_BIN": "echo"}
    started = run(CALLCENTER_ENTRY, *args, env=env)
    assert (started.returncode, started.stdout.split()) == (0, args)
    for name in needs:
        refused = run(CALLCENTER_ENTRY, *args, env=env | {name: "change-me"})
        assert refused.returncode == 78 and f"{name}: still a placeholder" in refused.stderr
    not_needed = {"CALLCENTER_AMI__SECRET", "CALLCENTER_API__JWT_SECRET"} - set(needs)
    for name in not_needed:
        assert run(CALLCENTER_ENTRY, *args, env=env | {name: "change-me"}).returncode == 0


def test_callcenter_entry_point_runs_migrations_with_the_database_alone() -> None:
    env = service_env("migrate", filled_env()) | {"CALLCENTER_BIN": "echo"}
    assert run(CALLCENTER_ENTRY, "db", "upgrade", env=env).stdout.split() == ["db", "upgrade"]
    unset = {k: v for k, v in env.items() if k != "CALLCENTER_DATABASE__URL"}
    assert run(CALLCENTER_ENTRY, "db", "upgrade", env=unset).returncode == 78


def render_asterisk(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    source = tmp_path / "share"
    shutil.copytree(ROOT / "asterisk", source / "asterisk", ignore=shutil.ignore_patterns("*.wav"))
    shutil.copytree(ROOT / "dialplans", source / "dialplans")
    return run(
        ASTERISK_ENTRY,
        "--render-only",
        env=env
        | {
            "ASTERISK_CONFIG_SOURCE": str(source),
            "ASTERISK_ETC": str(tmp_path / "etc"),
            "ROOM_CERTS": str(tmp_path / "certs"),
        },
    )


def test_asterisk_gets_the_secrets_callcenter_uses(tmp_path: Path) -> None:
    env = service_env("asterisk", filled_env())
    result = render_asterisk(tmp_path, env)
    assert result.returncode == 0, result.stderr
    etc = tmp_path / "etc"
    manager = {s.name: s for s in sections(etc / "manager.conf")}
    assert manager["callcenter"].values("secret") == [env["CALLCENTER_AMI__SECRET"]]
    passwords = {
        s.name: s.values("password")
        for s in sections(etc / "pjsip.conf")
        if "seat-auth" in s.templates.split(",")
    }
    seats = json.loads(env["CALLCENTER_PHONE__SEATS"])
    assert passwords == {a["user"]: [a["password"]] for a in seats.values()}
    for name, key in (("res_pgsql.conf", "dbpass"), ("cel_pgsql.conf", "password")):
        (section,) = sections(etc / name)
        assert section.values(key) == [env["ASTERISK_DB_PASSWORD"]]
    # everything else is the repository's file, line for line
    for name in ("pjsip.conf", "manager.conf", "queues.conf", "http.conf", "modules.conf"):
        ours = (ROOT / "asterisk" / name).read_text().splitlines()
        installed = (etc / name).read_text().splitlines()
        changed = [a for a, b in zip(ours, installed, strict=True) if a != b]
        assert all(line.startswith(("password", "secret")) for line in changed), name
    assert (etc / "extensions.conf").read_text() == (ROOT / "dialplans/extensions.conf").read_text()


def test_asterisk_refuses_a_seat_without_its_password(tmp_path: Path) -> None:
    env = service_env("asterisk", filled_env())
    seats = json.loads(env["CALLCENTER_PHONE__SEATS"])
    del seats["Seat 07"]
    result = render_asterisk(tmp_path, env | {"CALLCENTER_PHONE__SEATS": json.dumps(seats)})
    assert result.returncode == 78
    assert "pjsip.conf" in result.stderr and "password = ..." in result.stderr
    assert GOOD not in result.stderr  # values are never printed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Seat 21": {"user": "seat21", "password": "seat21-" + GOOD}}, 'no "password =" line'),
        ({"Seat 02": {"user": "seat02", "password": "short"}}, "the password of seat02"),
        ({"Seat 02": {"user": "seat02", "password": "x;" + GOOD}}, "the password of seat02"),
    ],
)
def test_asterisk_refuses_seats_it_cannot_configure(
    tmp_path: Path, change: dict[str, dict[str, str]], message: str
) -> None:
    env = service_env("asterisk", filled_env())
    seats = json.loads(env["CALLCENTER_PHONE__SEATS"]) | change
    result = render_asterisk(tmp_path, env | {"CALLCENTER_PHONE__SEATS": json.dumps(seats)})
    assert result.returncode == 78 and message in result.stderr


def test_asterisk_refuses_the_example_env_file_and_bad_json(tmp_path: Path) -> None:
    example = service_env("asterisk", stack.read_env_file(stack.ENV_EXAMPLE))
    assert render_asterisk(tmp_path / "a", example).returncode == 78
    env = service_env("asterisk", filled_env()) | {"CALLCENTER_PHONE__SEATS": "{seat01: x}"}
    result = render_asterisk(tmp_path / "b", env)
    assert result.returncode == 78 and "not the JSON object" in result.stderr


def test_asterisk_installs_the_room_certificate_for_the_asterisk_user_only(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "room.crt").write_text("CERT\n")
    (tmp_path / "certs" / "room.key").write_text("KEY\n")
    assert render_asterisk(tmp_path, service_env("asterisk", filled_env())).returncode == 0
    key = tmp_path / "etc" / "keys" / "asterisk.key"
    assert key.read_text() == "KEY\n" and key.stat().st_mode & 0o077 == 0
    assert (tmp_path / "etc" / "keys" / "asterisk.crt").read_text() == "CERT\n"


def test_new_room_env_makes_an_env_file_every_container_accepts(tmp_path: Path) -> None:
    script = ROOT / "deploy" / "new-room-env.sh"
    out = tmp_path / "room.env"
    made = subprocess.run(
        ["sh", str(script), str(out)], capture_output=True, text=True, timeout=60, check=False
    )
    assert made.returncode == 0, made.stderr
    assert out.stat().st_mode & 0o077 == 0
    env = stack.read_env_file(out)
    assert set(env) == set(stack.read_env_file(stack.ENV_EXAMPLE))
    assert len({v for k, v in env.items() if k.endswith(("PASSWORD", "SECRET", "TOKEN"))}) == 6
    for service in ("postgres", "redis", "asterisk", "callcenter", "api", "migrate"):
        values = service_env(service, env)
        names = [k for k in values if k.endswith(("PASSWORD", "SECRET", "TOKEN"))]
        assert run(CHECK, *names, env=values).returncode == 0, service
    assert render_asterisk(tmp_path, service_env("asterisk", env)).returncode == 0
    again = subprocess.run(
        ["sh", str(script), str(out)], capture_output=True, timeout=60, check=False
    )
    assert again.returncode == 1  # never overwrites
