"""An API process for tests: real store, pipeline and live hub, fakes at the PBX/dispatch ports,
served by uvicorn on a free local port (Starlette's TestClient warns, see shared/LIBRARIES.md)."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI

from callcenter.api.app import create_app
from callcenter.api.ports import Services
from callcenter.auth.passwords import Passwords
from callcenter.auth.roles import Role
from callcenter.auth.tokens import Identity, Tokens
from callcenter.dispatch.handoff import HandoffService, PipelineCalls
from callcenter.dispatch.qualification import Taxonomy
from callcenter.domain.events import Clock
from callcenter.live.hub import LiveHub
from callcenter.live.messages import FeedLog
from callcenter.pipeline.direct import ProcessorSink
from callcenter.pipeline.processor import CallProcessor
from callcenter.storage.store import TimelineStore
from callcenter.storage.tickets import TicketStore
from callcenter.storage.users import UserStore
from tests.api.fakes import FakeDispatch, FakeHandOff, FakePbx, FakeSeatBoard, seat_name

SECRET = "test-secret-0123456789-0123456789-abcdef"
PASSWORD = "correct horse battery"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class Room:
    app: FastAPI
    services: Services
    processor: CallProcessor
    pbx: FakePbx
    board: FakeSeatBoard
    desk: FakeDispatch
    tokens: Tokens

    def token(self, username: str, role: Role, seat: str | None = None) -> str:
        return self.tokens.issue(Identity(username=username, role=role, seat=seat))

    def headers(self, username: str) -> dict[str, str]:
        role, seat = USERS[username]
        return {"Authorization": f"Bearer {self.token(username, role, seat)}"}


USERS: dict[str, tuple[Role, str | None]] = {
    "op3": (Role.OPERATOR, seat_name(3)),
    "op4": (Role.OPERATOR, seat_name(4)),
    "sup": (Role.SUPERVISOR, None),
    "aud": (Role.AUDITOR, None),
    "disp": (Role.DISPATCHER, None),
    "adm": (Role.ADMIN, None),
}
BY_ROLE = {Role.OPERATOR: "op3", **{r: n for n, (r, _s) in USERS.items() if r != Role.OPERATOR}}


async def build_room(store: TimelineStore, feed_log: FeedLog, **app_kwargs: Any) -> Room:
    hub = LiveHub(feed_log, buffer=app_kwargs.pop("buffer", 256))
    processor = CallProcessor(store, hub)
    users = UserStore(store.engine)
    passwords = Passwords(FAST_HASHER)
    for name, (role, seat) in USERS.items():
        if await users.get(name) is None:
            await users.add(name, passwords.hash(PASSWORD), role.value, seat)
    pbx, board, desk = FakePbx(), FakeSeatBoard(), FakeDispatch()
    tokens = Tokens(SECRET)
    services = Services(
        store=store,
        users=users,
        tokens=tokens,
        passwords=passwords,
        hub=hub,
        pbx=pbx,
        seats=board,
        events=ProcessorSink(processor),
        dispatch=desk,
        handoff=FakeHandOff(
            desk,
            HandoffService(
                ProcessorSink(processor),
                PipelineCalls(processor, store),
                TicketStore(store.engine),
                Taxonomy.default(),
            ),
        ),
        pbx_connected=lambda: True,
        counters=lambda: dict(vars(processor.stats)),
    )
    app = create_app(services, jwt_secret=SECRET, **app_kwargs)
    return Room(app, services, processor, pbx, board, desk, tokens)


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn on a free port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2, ws_ping_interval=None
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(10):
            await task
        sock.close()


@asynccontextmanager
async def client(base: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        yield http


_source = itertools.count(1)


def ev(cls: type, call_id: str, **fields: Any) -> Any:
    """A domain event as the bridge would submit it."""
    now = datetime.now(UTC)
    return cls(
        call_id=call_id,
        at=fields.pop("at", now),
        received_at=now,
        source_id=f"test:{next(_source)}",
        clock=Clock.PBX,
        **fields,
    )
