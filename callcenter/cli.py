"""The ``callcenter`` command line. Each verb builds Settings once and hands it to app.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from callcenter import app
from callcenter.remote.roles import ServeRole
from callcenter.settings import Settings, normalise_database_url

if TYPE_CHECKING:
    from callcenter.sim.runner import SimulatorConfig

cli = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
db_cli = typer.Typer(no_args_is_help=True, help="Database schema.")
cli.add_typer(db_cli, name="db")
users_cli = typer.Typer(no_args_is_help=True, help="The people who use the API.")
cli.add_typer(users_cli, name="users")


def _settings() -> Settings:
    return Settings()


def _logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply the schema migrations (creates the embedded SQLite file if needed)."""
    _logging("WARNING")
    settings = _settings()
    asyncio.run(app.db_upgrade(settings))
    typer.echo(f"database at head: {settings.database_url()}")


@cli.command("export")
def export(
    format: Annotated[str, typer.Option("--format", help="Only jsonl for now.")] = "jsonl",
    since: Annotated[
        datetime | None, typer.Option(help="Calls that rang at or after (ISO 8601, UTC).")
    ] = None,
    until: Annotated[datetime | None, typer.Option(help="Calls that rang before.")] = None,
) -> None:
    """Print one JSON object per call (record fields + ordered timeline) on stdout."""
    if format != "jsonl":
        raise typer.BadParameter("only 'jsonl' is supported", param_hint="--format")
    _logging("WARNING")
    reader = f"cli:{_os_user()}"  # the access log names who exported
    count = asyncio.run(
        app.export_jsonl(_settings(), _utc(since), _utc(until), sys.stdout.write, reader)
    )
    typer.echo(f"exported {count} calls", err=True)


@cli.command("verify")
def verify(
    call: Annotated[str | None, typer.Option("--call", help="One call (default: all).")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Calls that rang at or after (ISO 8601, UTC).")
    ] = None,
    until: Annotated[datetime | None, typer.Option(help="Calls that rang before.")] = None,
) -> None:
    """Check the timelines' hash chains (tamper evidence); exit 1 if one does not hold.
    The last line is the digest of the checked heads, to keep outside the database."""
    from callcenter.audit.verify import verify_store
    from callcenter.storage.database import SchemaOutdatedError, check_schema
    from callcenter.storage.store import open_store

    _logging("WARNING")

    async def run() -> bool:
        async with open_store(_settings()) as store:
            try:
                await check_schema(store.engine)
            except SchemaOutdatedError as exc:
                typer.echo(f"error: {exc}", err=True)
                return False
            return await verify_store(
                store, typer.echo, call_id=call, since=_utc(since), until=_utc(until)
            )

    raise typer.Exit(0 if asyncio.run(run()) else 1)


@cli.command("serve")
def serve(
    role: Annotated[
        ServeRole,
        typer.Option(
            help="all: the whole room in one process. bridge: AMI bridge, FastAGI, dispatch "
            "and the command server; HTTP only /healthz, /readyz, /metrics (one per PBX). "
            "api: the HTTP API only, acting through the bridge (as many as needed). bridge "
            "and api need PostgreSQL + Redis."
        ),
    ] = ServeRole.ALL,
) -> None:
    """Run the room against the configured Asterisk: AMI bridge, FastAGI, dispatch and the API,
    until SIGTERM/SIGINT. Structured JSON logs; refuses the default JWT secret."""
    from callcenter.api.logs import json_logging
    from callcenter.auth.tokens import InsecureSecretError, check_secret
    from callcenter.remote.roles import RoleConfigError, check_role

    settings = _settings()
    try:
        check_role(settings, role)
        if role is not ServeRole.BRIDGE:  # the bridge signs no tokens
            check_secret(settings.api.jwt_secret.get_secret_value(), demo=settings.demo)
    except (InsecureSecretError, RoleConfigError) as exc:
        typer.echo(f"callcenter serve: {exc}", err=True)
        raise typer.Exit(2) from exc
    json_logging()
    asyncio.run(app.serve(settings, role))


@cli.command("ingest")
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Raw AMI byte streams (.ami files).")],
) -> None:
    """Replay recorded AMI streams into the database (running it twice adds nothing)."""
    _logging("WARNING")
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise typer.BadParameter(f"not a file: {', '.join(missing)}", param_hint="FILE")
    _report, counts = asyncio.run(app.ingest(_settings(), files))
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@cli.command("demo")
def demo(
    scenario: Annotated[
        str, typer.Option(help="Traffic: line19-demo, mass-casualty, saturation or a .toml file.")
    ] = "line19-demo",
    seat: Annotated[
        list[str] | None,
        typer.Option(help="A seat you play yourself through the API, e.g. 'Seat 03' (repeatable)."),
    ] = None,
) -> None:
    """Run the whole room on embedded defaults (SQLite, PBX simulator) until Ctrl-C.

    Ports: CALLCENTER_API__PORT, CALLCENTER_AMI__PORT, CALLCENTER_AGI__PORT and
    CALLCENTER_SIM__CONTROL_PORT (default: the AMI port + 1)."""
    from callcenter.demo import DemoError

    _logging("WARNING")
    settings = _settings()
    settings.demo = True
    with contextlib.suppress(KeyboardInterrupt):
        try:
            asyncio.run(app.demo(settings, scenario=scenario, manual_seats=frozenset(seat or ())))
        except DemoError as exc:
            raise typer.BadParameter(str(exc), param_hint="--seat") from exc


@cli.command("agi")
def agi() -> None:
    """Run the FastAGI call-entry server alone (port from CALLCENTER_AGI__PORT) until Ctrl-C."""
    _logging()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(app.agi(_settings()))


@cli.command("simulate")
def simulate(
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="Packaged scenario name (line19-demo, mass-casualty, saturation) or a "
            ".toml file. Without one: no traffic, callers come from AMI Originate or /_inject."
        ),
    ] = None,
    ami_port: Annotated[int, typer.Option(help="AMI port (127.0.0.1).")] = 5038,
    control_port: Annotated[int, typer.Option(help="Control endpoints port; 0 = off.")] = 5039,
    queues_conf: Annotated[
        Path | None, typer.Option(help="queues.conf (default: asterisk/queues.conf).")
    ] = None,
    time_factor: Annotated[
        float | None, typer.Option(help="Simulated seconds per wall second (60: 1 h a minute).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Override the scenario's random seed.")] = None,
    agi: Annotated[
        bool, typer.Option(help="Call the FastAGI server the settings name at call entry.")
    ] = True,
    agi_script: Annotated[str, typer.Option(help="Script path of the AGI URL.")] = "qualify",
    overflow_variable: Annotated[
        str, typer.Option(help="Variable the AGI sets to 'overflow' to route a caller there.")
    ] = "CALLCENTER_ROUTE",
    manual_seat: Annotated[
        list[str] | None, typer.Option(help="A seat played by a person (repeatable).")
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(help="Write the AMI stream of --calls calls to FILE, fast, and exit."),
    ] = None,
    calls: Annotated[int, typer.Option(help="With --record: how many calls.")] = 1000,
    quiet: Annotated[bool, typer.Option(help="No progress line.")] = False,
    queue_log: Annotated[
        Path | None, typer.Option(help="Append Asterisk's queue_log file lines to FILE.")
    ] = None,
    pbx_log_db: Annotated[
        str | None,
        typer.Option(help="Insert Asterisk's queue_log and cel rows into this database's tables."),
    ] = None,
) -> None:
    """Run the PBX simulator alone: AMI on 127.0.0.1:PORT, as the bridge expects Asterisk."""
    from callcenter.sim import runner
    from callcenter.sim.config import QueuesConfError
    from callcenter.sim.engine import SimError, Simulator
    from callcenter.sim.options import SimOptions
    from callcenter.sim.traffic import ScenarioError, load_scenario

    _logging("WARNING")
    settings = _settings()
    try:
        queues = runner.load_queues(queues_conf)
        chosen = load_scenario(scenario or "line19-demo") if scenario or record else None
    except (QueuesConfError, ScenarioError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    if chosen is not None and seed is not None:
        from dataclasses import replace

        chosen = replace(chosen, seed=seed)
    options = SimOptions(
        manual_seats=frozenset(manual_seat or ()),
        overflow_variable=overflow_variable,
        queue_log_file=queue_log,
        pbx_log_url=normalise_database_url(pbx_log_db) if pbx_log_db else None,
    )
    try:  # a seat the room does not have is refused here, not in a traceback later
        Simulator(queues, chosen.options(options) if chosen is not None else options)
    except SimError as exc:
        raise typer.BadParameter(str(exc), param_hint="--manual-seat") from exc
    if record is not None:
        assert chosen is not None
        with record.open("wb") as out:
            sim = asyncio.run(runner.record_stream(queues, chosen, calls, out, options))
        typer.echo(f"{sim.stream.sent} events, {sim.tally.offered} calls -> {record}", err=True)
        typer.echo(runner.progress(sim), err=True)
        return
    config = runner.SimulatorConfig(
        queues=queues,
        scenario=chosen,
        credentials={settings.ami.username: settings.ami.secret.get_secret_value()},
        ami_port=ami_port,
        control_port=control_port or None,
        agi_url=f"agi://{settings.agi.host}:{settings.agi.port}/{agi_script}" if agi else None,
        time_factor=time_factor,
        options=options,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_simulate(config, quiet))


async def _simulate(config: SimulatorConfig, quiet: bool) -> None:
    from callcenter.sim import runner

    service = runner.SimulatorService(config)
    stop = asyncio.Event()
    async with service:
        host, port = service.ami.address
        typer.echo(f"PBX simulator: AMI on {host}:{port}", err=True)
        if config.control_port:
            typer.echo(
                f"control: http://{config.control_host}:{config.control_port}/_state", err=True
            )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):  # after uvicorn's: Ctrl-C stops it all
            loop.add_signal_handler(sig, stop.set)
        task = asyncio.create_task(service.run(stop))
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=2)
                if not quiet and not task.done():
                    typer.echo(runner.progress(service.sim), err=True)
        finally:
            stop.set()
            await task


@cli.command("dispatch-console")
def dispatch_console(
    ack: Annotated[str | None, typer.Option("--ack", help="Ticket id to acknowledge.")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Field unit sent.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Radio operator's name.")] = None,
    console: Annotated[
        str | None, typer.Option("--console", help="Console name (stream consumer).")
    ] = None,
) -> None:
    """Radio dispatch: list pending tickets (nearest units first), or acknowledge one."""
    import socket

    from callcenter.assembly.console import run_console

    _logging("WARNING")
    name = console or f"console-{socket.gethostname()}"
    status = asyncio.run(
        run_console(_settings(), console=name, ack=ack, unit=unit, by=by, write=typer.echo)
    )
    raise typer.Exit(status)


@users_cli.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="operator, supervisor, auditor, dispatcher, admin")],
    seat: Annotated[str | None, typer.Option(help="Operators: their seat, e.g. 'Seat 03'.")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Add a user (the password is asked for, and stored as an argon2id hash)."""
    from callcenter.api import text
    from callcenter.auth.roles import Role
    from callcenter.storage.users import UserExistsError

    if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,64}", username):
        raise typer.BadParameter("letters, digits and _ . @ - only (64 at most)")
    if seat is not None and (reason := text.refusal(seat)) is not None:
        raise typer.BadParameter(f"the seat name {reason}", param_hint="--seat")
    if role not in {r.value for r in Role}:
        raise typer.BadParameter(f"unknown role {role!r}", param_hint="--role")
    if role == Role.OPERATOR and not seat:
        raise typer.BadParameter("an operator needs a seat", param_hint="--seat")
    if len(password) < 10:
        raise typer.BadParameter("at least 10 characters", param_hint="--password")
    _logging("WARNING")
    try:
        asyncio.run(app.users_add(_settings(), username, password, role, seat))
    except UserExistsError as exc:
        typer.echo(f"user {username!r} exists", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"added {username} ({role})")


@users_cli.command("list")
def users_list() -> None:
    """List users: name, role, seat, enabled/disabled."""
    _logging("WARNING")
    for username, role, seat, disabled in asyncio.run(app.users_list(_settings())):
        state = "disabled" if disabled else "enabled"
        typer.echo(f"{username}\t{role}\t{seat or '-'}\t{state}")


@users_cli.command("disable")
def users_disable(username: str) -> None:
    """Disable a user: their tokens stop working at once."""
    _logging("WARNING")
    if not asyncio.run(app.users_disable(_settings(), username)):
        typer.echo(f"no user {username!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"disabled {username}")


def _os_user() -> str:
    """The operating-system user running the command (its uid if it has no name)."""
    import getpass
    import os

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid{os.getuid()}"


def _utc(value: datetime | None) -> datetime | None:
    from datetime import UTC

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def main() -> None:
    cli()
