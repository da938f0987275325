"""Reads Asterisk's ``queue_log`` file (logger.conf ``queue_log_to_file``), the record of
single-host installs on SQLite.

Each line is ``epoch|callid|queuename|agent|event|data1|data2|...`` (whole seconds, UTC by
definition). ``read(since, until)`` returns every row of every call that has a row in
``[since, until]`` (the seconds containing them), no older than ``lookback`` before ``since``.
A line that does not parse is skipped and counted (``bad_lines``); a missing file raises
``FileNotFoundError`` (the reconciler counts it). The file is read in a worker thread.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callcenter.domain.pbx_log import PbxRecords, QueueLogRow


def parse_line(line: str) -> QueueLogRow | None:
    parts = line.rstrip("\r\n").split("|")
    if len(parts) < 5 or not parts[0].isdigit():
        return None
    data = [*parts[5:10], "", "", "", "", ""][:5]
    return QueueLogRow(
        time=datetime.fromtimestamp(int(parts[0]), UTC),
        callid=parts[1],
        queuename=parts[2],
        agent=parts[3],
        event=parts[4],
        data1=data[0],
        data2=data[1],
        data3=data[2],
        data4=data[3],
        data5=data[4],
    )


class QueueLogFileReader:
    source = "queue_log file"

    def __init__(self, path: Path, *, lookback: timedelta = timedelta(hours=12)) -> None:
        self.path = path
        self.lookback = lookback
        self.bad_lines = 0

    async def read(self, since: datetime, until: datetime) -> PbxRecords:
        return await asyncio.to_thread(self._read, since, until)

    def _read(self, since: datetime, until: datetime) -> PbxRecords:
        start = since.replace(microsecond=0)
        oldest = start - self.lookback
        kept: list[QueueLogRow] = []
        with self.path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                row = parse_line(line)
                if row is None:
                    self.bad_lines += bool(line.strip())
                elif oldest <= row.time <= until:
                    kept.append(row)
        calls = {r.callid for r in kept if r.time >= start}
        return PbxRecords(queue_log=[r for r in kept if r.callid in calls], source=self.source)
