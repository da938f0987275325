"""the incident each call reports

Many callers report one event (a fire, a pile-up): the first qualified call opens an incident
(its id derives from the call's, ``callcenter.domain.incidents``), later calls are attached to it.
``calls.incident_id`` says which; incidents are the groups of calls sharing it (no table of
their own: an incident is exactly its calls). Rows stored before this revision have it null.

Revision ID: 0009_incidents
Revises: 0008_pbx_log
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_incidents"
down_revision = "0008_pbx_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("incident_id", sa.String(length=80), nullable=True))
    op.create_index("ix_calls_incident_id", "calls", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_calls_incident_id", table_name="calls")
    op.drop_column("calls", "incident_id")
