"""Profile callcenter's FastAGI server under bursts of 60 qualify sessions, under pyinstrument.

``python -m bench.profile_agi [BURSTS] [--postgres]`` runs the server as ``callcenter agi``
builds it (SQLite by default) in this process, the Asterisk side in another
(``bench.agi_client``), and writes ``bench/results/agi-profile[-postgres].txt`` (and prints it).
The profile covers the event loop's whole thread, idle time included, from the server's start
(so the first, cold burst is in it).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile

from pyinstrument import Profiler

from bench.agi_burst import ADMIN_URL, ROOM, callcenter, pg_database
from bench.agi_client import BurstClient
from bench.common import RESULTS
from callcenter.settings import normalise_database_url


async def main(bursts: int, postgres: bool) -> None:
    client = BurstClient()
    plan = [("cold_60", ROOM)] + [("warm_60", ROOM)] * bursts
    profiler = Profiler(async_mode="disabled", interval=0.0005)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if postgres:
                url, drop = await pg_database(ADMIN_URL)
            else:
                url, drop = normalise_database_url(f"sqlite:///{tmp}/bench.db"), None
            try:
                result = await callcenter(client, url, plan, profiler=profiler)
            finally:
                if drop is not None:
                    await drop()
    finally:
        client.close()
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    RESULTS.mkdir(exist_ok=True)
    name = "agi-profile-postgres.txt" if postgres else "agi-profile.txt"
    (RESULTS / name).write_text(f"{result}\n\n{text}")
    print(result)
    print(text)


if __name__ == "__main__":
    count = [a for a in sys.argv[1:] if a.isdigit()]
    asyncio.run(main(int(count[0]) if count else 10, "--postgres" in sys.argv))
