"""Profile the ingest path: the benchmark's AMI stream through the full pipeline on SQLite,
under pyinstrument. ``python -m bench.profile_ingest [EVENTS]`` writes
``bench/results/ingest-profile.txt`` (and prints it).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile

from pyinstrument import Profiler

from bench.ami_stream import build_stream
from bench.common import RESULTS
from bench.ingest_bench import full_pipeline


async def main(events: int) -> None:
    body, count = build_stream(events)
    with tempfile.TemporaryDirectory() as tmp:
        profiler = Profiler(async_mode="enabled", interval=0.0005)
        profiler.start()
        result = await full_pipeline(body, count, f"sqlite+aiosqlite:///{tmp}/bench.db")
        profiler.stop()
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ingest-profile.txt").write_text(f"{result}\n\n{text}")
    print(result)
    print(text)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30_000))
