"""call-back tasks: every abandoned, silent or cut-off call to call back

One row per call (``callcenter.domain.callbacks``): the number (null when withheld or
invalid, with ``not_callable`` saying why), why it is to be called back, where it stands, the
seat it is offered to or called from, the attempts and the last result, and the repeat call
that closed it.

Revision ID: 0010_callback_tasks
Revises: 0009_incidents
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.types import UtcDateTime

revision = "0010_callback_tasks"
down_revision = "0009_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_tasks",
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), primary_key=True),
        sa.Column("number", sa.String(20), nullable=True),
        sa.Column("caller_raw", sa.String(80), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("not_callable", sa.String(20), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("waited_seconds", sa.Integer(), nullable=True),
        sa.Column("repeat_count", sa.Integer(), nullable=False),
        sa.Column("seat", sa.String(80), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(20), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=True),
    )
    op.create_index(
        "ix_callback_tasks_status_created", "callback_tasks", ["status", "created_at"]
    )
    op.create_index("ix_callback_tasks_number_status", "callback_tasks", ["number", "status"])


def downgrade() -> None:
    op.drop_table("callback_tasks")
