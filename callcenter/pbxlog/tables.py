"""The tables Asterisk writes: ``queue_log`` (res_config_pgsql, realtime) and ``cel``
(cel_pgsql), with Asterisk's own column names and types. Created by migration 0008_pbx_log
(``tests/pbxlog/test_pbx_tables.py`` checks that the two agree, and agree with the recording's
schema.sql); the bridge reads them (``database.py``), the PBX simulator writes them
(``callcenter/sim/pbx_log_sinks.py``) as Asterisk does. One definition for both."""

from __future__ import annotations

import sqlalchemy as sa

METADATA = sa.MetaData()
# BIGSERIAL on PostgreSQL; SQLite numbers only an INTEGER PRIMARY KEY by itself.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

QUEUE_LOG = sa.Table(
    "queue_log",
    METADATA,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
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
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("eventtype", sa.String(30), nullable=False),
    sa.Column("eventtime", sa.DateTime(timezone=False), nullable=False),
    sa.Column("userdeftype", sa.String(255)),
    sa.Column("cid_name", sa.String(80)),
    sa.Column("cid_num", sa.String(80)),
    sa.Column("cid_ani", sa.String(80)),
    sa.Column("cid_rdnis", sa.String(80)),
    sa.Column("cid_dnid", sa.String(80)),
    sa.Column("exten", sa.String(80)),
    sa.Column("context", sa.String(80)),
    sa.Column("channame", sa.String(80)),
    sa.Column("appname", sa.String(80)),
    sa.Column("appdata", sa.String(512)),
    sa.Column("amaflags", sa.Integer),
    sa.Column("accountcode", sa.String(80)),
    sa.Column("peeraccount", sa.String(80)),
    sa.Column("uniqueid", sa.String(150)),
    sa.Column("linkedid", sa.String(150)),
    sa.Column("userfield", sa.String(255)),
    sa.Column("peer", sa.String(80)),
    sa.Column("extra", sa.String(1024)),
)
