"""indexes for the FastAGI call-entry lookups

The room count (calls not line_ended in a room state) and the repeat-caller lookup (the same
caller_e164 since a time) run on every incoming call, within a 200 ms budget.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_calls_line_ended_state", "calls", ["line_ended", "state"])
    op.create_index("ix_calls_caller_e164_rang_at", "calls", ["caller_e164", "rang_at"])


def downgrade() -> None:
    op.drop_index("ix_calls_caller_e164_rang_at", table_name="calls")
    op.drop_index("ix_calls_line_ended_state", table_name="calls")
