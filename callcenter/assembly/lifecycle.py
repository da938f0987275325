"""What every process role's assembly promises the composition root (as uvicorn's ``Server``).

``async with assembly: await assembly.serve(stop)``: entering starts the role's inputs and
servers (and undoes what it started if it fails half-way); ``serve`` returns once ``stop`` is
set (or the role's own server exits, e.g. uvicorn on a signal); leaving stops taking input and
finishes, with deadlines, what was received.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Protocol, Self


class Assembly(Protocol):
    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def serve(self, stop: asyncio.Event) -> None: ...
