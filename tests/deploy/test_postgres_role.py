"""deploy/postgres/initdb/10-asterisk-role.sh on the real PostgreSQL server, run with psql as the
postgres image runs it: Asterisk's role may insert into the tables callcenter creates later (the
queue_log and CEL rows of issue 15) and do nothing else with them."""

from __future__ import annotations

import asyncio
import os
import uuid
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import pytest

from tests.databases import POSTGRES_ADMIN_URL
from tests.deploy import stack

SCRIPT = stack.ROOT / "deploy" / "postgres" / "initdb" / "10-asterisk-role.sh"
PASSWORD = "asterisk-" + uuid.uuid4().hex

pytestmark = pytest.mark.postgres


@pytest.fixture
async def initialised() -> AsyncIterator[tuple[str, str]]:
    """A fresh database (owned by the admin, as callcenter's is by its user) after the script."""
    tag = uuid.uuid4().hex[:12]
    database, role = f"cc_test_deploy_{tag}", f"cc_test_asterisk_{tag}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{database}"')
    url = urlsplit(POSTGRES_ADMIN_URL)
    env = {
        "PATH": os.environ["PATH"],
        "PGHOST": url.hostname or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_DB": database,
        "ASTERISK_DB_USER": role,
        "ASTERISK_DB_PASSWORD": PASSWORD,
    }
    try:
        psql = await asyncio.create_subprocess_exec(
            "sh", str(SCRIPT), env=env, stdout=PIPE, stderr=PIPE
        )
        async with asyncio.timeout(60):
            _, stderr = await psql.communicate()
        assert psql.returncode == 0, stderr.decode()
        yield database, role
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


async def test_asterisk_may_insert_and_nothing_more(initialised: tuple[str, str]) -> None:
    database, role = initialised
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    owner = await asyncpg.connect(f"{base}/{database}")
    try:
        # what issue 15's migration will create, after the role exists
        await owner.execute("CREATE TABLE queue_log (id BIGSERIAL PRIMARY KEY, event VARCHAR(32))")
        await owner.execute("CREATE TABLE calls (id TEXT PRIMARY KEY)")
        admin_netloc = urlsplit(base).netloc.split("@")[-1]
        pbx = await asyncpg.connect(f"postgresql://{role}:{PASSWORD}@{admin_netloc}/{database}")
        try:
            await pbx.execute("INSERT INTO queue_log (event) VALUES ('ENTERQUEUE')")
            for sql in (
                "SELECT * FROM queue_log",
                "UPDATE queue_log SET event = 'x'",
                "DELETE FROM queue_log",
                "SELECT * FROM calls",
                "CREATE TABLE mine (x INT)",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await pbx.execute(sql)
        finally:
            await pbx.close()
        assert await owner.fetchval("SELECT count(*) FROM queue_log") == 1
    finally:
        await owner.close()
