"""Asterisk's own record: the tables queue_log and cel, written by the PBX itself

Asterisk writes every queue event into ``queue_log`` (res_config_pgsql, realtime) and every
channel event into ``cel`` (cel_pgsql) while callcenter is up or down; the bridge reconciles
the window it did not see from them (issue 15, ``callcenter/pbxlog/``). The columns and types
are Asterisk's own: ``queue_log`` as contrib/realtime/postgresql/postgresql_queue_log.sql
(alembic 4105ee839f58), ``cel`` with the fields cel_pgsql maps (Asterisk ships no SQL for it;
as recorded in bridge-down-A/schema.sql). Times are ``timestamp without time zone`` in UTC
(logger.conf ``queue_log_realtime_use_gmt``, cel_pgsql.conf ``usegmtime``). The indexes on
time and call are callcenter's (its reads are by window). On SQLite the tables are created too
(harmless, nothing writes them): single-host installs read Asterisk's queue_log file instead.

Revision ID: 0008_pbx_log
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_pbx_log"
down_revision = "0007"
branch_labels = None
depends_on = None

# BIGSERIAL on PostgreSQL; SQLite numbers only an INTEGER PRIMARY KEY by itself.
SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "queue_log",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("time", sa.DateTime(timezone=False)),
        sa.Column("callid", sa.String(80)),
        sa.Column("queuename", sa.String(256)),
        sa.Column("agent", sa.String(80)),
        sa.Column("event", sa.String(32)),
        sa.Column("data1", sa.String(100)),
        sa.Column("data2", sa.String(100)),
        sa.Column("data3", sa.String(100)),
        sa.Column("data4", sa.String(100)),
        sa.Column("data5", sa.String(100)),
    )
    op.create_index("ix_queue_log_time", "queue_log", ["time"])
    op.create_index("ix_queue_log_callid", "queue_log", ["callid"])
    op.create_table(
        "cel",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
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
        sa.Column("amaflags", sa.Integer()),
        sa.Column("accountcode", sa.String(80)),
        sa.Column("peeraccount", sa.String(80)),
        sa.Column("uniqueid", sa.String(150)),
        sa.Column("linkedid", sa.String(150)),
        sa.Column("userfield", sa.String(255)),
        sa.Column("peer", sa.String(80)),
        sa.Column("extra", sa.String(1024)),
    )
    op.create_index("ix_cel_eventtime", "cel", ["eventtime"])
    op.create_index("ix_cel_linkedid", "cel", ["linkedid"])


def downgrade() -> None:
    op.drop_table("cel")
    op.drop_table("queue_log")
