"""dispatch tickets, their outbox, and field units

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispatch_tickets",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("incident_type", sa.String(40), nullable=False),
        sa.Column("priority", sa.String(4), nullable=False),
        sa.Column("qualification", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("escalated_at", UtcDateTime(), nullable=True),
        sa.Column("unit", sa.String(64), nullable=True),
        sa.Column("acknowledged_by", sa.String(80), nullable=True),
        sa.Column("acknowledged_at", UtcDateTime(), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_dispatch_tickets_call_id", "dispatch_tickets", ["call_id"])
    op.create_index(
        "ix_dispatch_tickets_state_created", "dispatch_tickets", ["state", "created_at"]
    )

    op.create_table(
        "dispatch_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "ticket_id", sa.String(64), sa.ForeignKey("dispatch_tickets.id"), nullable=False
        ),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.String(40), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.UniqueConstraint("ticket_id", name="uq_dispatch_outbox_ticket_id"),
    )
    op.create_index("ix_dispatch_outbox_unsent", "dispatch_outbox", ["sent_at", "id"])

    op.create_table(
        "field_units",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("position_at", UtcDateTime(), nullable=True),
        sa.Column("ticket_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_field_units_status", "field_units", ["status"])


def downgrade() -> None:
    op.drop_table("field_units")
    op.drop_table("dispatch_outbox")
    op.drop_table("dispatch_tickets")
