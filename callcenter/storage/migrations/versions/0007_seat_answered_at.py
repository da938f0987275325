"""the latest seat's answer on the call record

A caller redirected back into the queue and answered by another seat talked in several
conversations; each one's span starts at its own seat's answer (AgentConnect). ``answered_at``
keeps the first answer (the caller's wait ends there); ``seat_answered_at`` the latest, so the
conversation in progress can be measured when the caller leaves the seat's bridge. Rows stored
before this revision have it null (see ``callcenter.domain.lifecycle.talk.left_seat``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("seat_answered_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("calls", "seat_answered_at")
