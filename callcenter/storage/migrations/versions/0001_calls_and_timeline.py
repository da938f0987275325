"""calls and their timeline

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("caller_raw", sa.String(80), nullable=False),
        sa.Column("caller_e164", sa.String(20), nullable=True),
        sa.Column("queue", sa.String(80), nullable=True),
        sa.Column("seat", sa.String(80), nullable=True),
        sa.Column("line_ended", sa.Boolean(), nullable=False),
        sa.Column("rang_at", UtcDateTime(), nullable=True),
        sa.Column("queued_at", UtcDateTime(), nullable=True),
        sa.Column("offered_at", UtcDateTime(), nullable=True),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("qualified_at", UtcDateTime(), nullable=True),
        sa.Column("handed_off_at", UtcDateTime(), nullable=True),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("hold_seconds", sa.Integer(), nullable=True),
        sa.Column("talk_seconds", sa.Integer(), nullable=True),
        sa.Column("abandon_position", sa.Integer(), nullable=True),
        sa.Column("abandon_original_position", sa.Integer(), nullable=True),
        sa.Column("incident_type", sa.String(40), nullable=True),
        sa.Column("priority", sa.String(4), nullable=True),
        sa.Column("qualification", sa.JSON(), nullable=True),
        sa.Column("dispatch_ticket", sa.String(64), nullable=True),
        sa.Column("dispatch_unit", sa.String(64), nullable=True),
    )
    op.create_index("ix_calls_outcome", "calls", ["outcome"])
    op.create_index("ix_calls_caller_e164", "calls", ["caller_e164"])
    op.create_index("ix_calls_seat", "calls", ["seat"])
    op.create_index("ix_calls_rang_at", "calls", ["rang_at"])
    op.create_index("ix_calls_incident_type", "calls", ["incident_type"])

    op.create_table(
        "timeline",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source_id", sa.String(128), nullable=False),
        sa.Column("clock", sa.String(8), nullable=False),
        sa.Column("inferred", sa.Boolean(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("pbx_at", UtcDateTime(), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.UniqueConstraint("call_id", "seq", name="uq_timeline_call_seq"),
        sa.UniqueConstraint("call_id", "source_id", name="uq_timeline_call_source"),
    )
    op.create_index("ix_timeline_received_at", "timeline", ["received_at"])


def downgrade() -> None:
    op.drop_table("timeline")
    op.drop_table("calls")
