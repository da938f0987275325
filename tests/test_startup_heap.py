"""Every role freezes what its start built before serving: a full garbage collection would
otherwise walk it all, with the event loop stopped, in the middle of a burst."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from types import TracebackType

from callcenter.app import run_until_signalled


class Role:
    frozen_at_serve: int = -1

    async def __aenter__(self) -> Role:
        return self

    async def serve(self, stop: asyncio.Event) -> None:
        self.frozen_at_serve = gc.get_freeze_count()
        os.kill(os.getpid(), signal.SIGTERM)  # the handler sets ``stop``
        await stop.wait()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


async def test_the_start_is_frozen_before_serving() -> None:
    gc.unfreeze()
    role = Role()
    try:
        await asyncio.wait_for(run_until_signalled(role), 10)  # type: ignore[arg-type]
        assert role.frozen_at_serve > 10_000  # the modules and tables of the whole app
    finally:
        gc.unfreeze()
