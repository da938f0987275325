"""Which of the PBX's records a room reads (``CALLCENTER_PBX_LOG__SOURCE``), built from Settings."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.pbxlog.database import DatabaseReader
from callcenter.pbxlog.queue_log_file import QueueLogFileReader
from callcenter.pbxlog.reconciler import PbxLogReader
from callcenter.settings import PbxLogSettings

log = logging.getLogger(__name__)


def build_reader(settings: PbxLogSettings, engine: AsyncEngine) -> PbxLogReader | None:
    """``auto``: the tables on PostgreSQL (Asterisk writes them there), the queue_log file on
    SQLite when its path is set; None when there is nothing to read (reconciliation off)."""
    lookback = timedelta(hours=settings.lookback_hours)
    source = settings.source
    if source == "auto":
        if engine.dialect.name == "postgresql":
            source = "database"
        elif settings.queue_log_file is not None:
            source = "file"
        else:
            log.info(
                "no PBX records to reconcile from (SQLite without"
                " CALLCENTER_PBX_LOG__QUEUE_LOG_FILE): calls that begin and end while"
                " the bridge is down will be missing"
            )
            return None
    if source == "database":
        return DatabaseReader(engine, lookback=lookback)
    if source == "file":
        if settings.queue_log_file is None:
            raise ValueError(
                "CALLCENTER_PBX_LOG__SOURCE=file needs CALLCENTER_PBX_LOG__QUEUE_LOG_FILE"
            )
        return QueueLogFileReader(settings.queue_log_file, lookback=lookback)
    return None
