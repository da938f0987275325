"""The tables Asterisk writes (created by migration 0008_pbx_log), for reading only."""

from __future__ import annotations

import sqlalchemy as sa

METADATA = sa.MetaData()

QUEUE_LOG = sa.Table(
    "queue_log",
    METADATA,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("time", sa.DateTime(timezone=False)),
    sa.Column("callid", sa.String(80)),
    sa.Column("queuename", sa.String(256)),
    sa.Column("agent", sa.String(80)),
    sa.Column("event", sa.String(32)),
    *(sa.Column(f"data{n}", sa.String(100)) for n in range(1, 6)),
)

CEL = sa.Table(
    "cel",
    METADATA,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("eventtype", sa.String(30)),
    sa.Column("eventtime", sa.DateTime(timezone=False)),
    sa.Column("cid_num", sa.String(80)),
    sa.Column("context", sa.String(80)),
    sa.Column("channame", sa.String(80)),
    sa.Column("uniqueid", sa.String(150)),
    sa.Column("linkedid", sa.String(150)),
    sa.Column("extra", sa.String(1024)),
)
