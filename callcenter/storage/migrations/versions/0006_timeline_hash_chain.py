"""timeline hash chain: a hash per step, the chain's head on the call

Each step gets ``hash`` (SHA-256 over the previous step's hash and its content, see
``callcenter.storage.chain``) and each call ``timeline_head`` (its last step's hash). Steps
already stored are chained here, in seq order: from this revision on an edit is detectable; the
chain cannot vouch for what happened to them before it (see docs/tamper-evident-timeline.md).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from callcenter.storage.chain import GENESIS, step_hash

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _aware(value):
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def upgrade() -> None:
    op.add_column("timeline", sa.Column("hash", sa.String(length=64), nullable=True))
    op.add_column("calls", sa.Column("timeline_head", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    columns = "id, call_id, seq, kind, source_id, clock, inferred, at, pbx_at, received_at, payload"
    rows = bind.execute(sa.text(f"SELECT {columns} FROM timeline ORDER BY call_id, seq"))
    heads: dict[str, str] = {}
    updates = []
    for row in rows.mappings():
        step = dict(row)
        for key in ("at", "pbx_at", "received_at"):
            step[key] = _aware(step[key])
        if isinstance(step["payload"], str):
            step["payload"] = json.loads(step["payload"])
        step["inferred"] = bool(step["inferred"])
        value = step_hash(heads.get(step["call_id"], GENESIS), step)
        heads[step["call_id"]] = value
        updates.append({"i": step["id"], "h": value})
    if updates:
        bind.execute(sa.text("UPDATE timeline SET hash = :h WHERE id = :i"), updates)
        bind.execute(
            sa.text("UPDATE calls SET timeline_head = :h WHERE id = :c"),
            [{"c": c, "h": h} for c, h in heads.items()],
        )


def downgrade() -> None:
    op.drop_column("calls", "timeline_head")
    op.drop_column("timeline", "hash")
