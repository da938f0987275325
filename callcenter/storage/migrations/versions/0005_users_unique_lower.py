"""user names unique whatever their case

``ADMIN`` and ``admin`` could both exist: two accounts an auditor cannot tell apart in the
access log. A unique index on ``lower(username)`` (SQLite and PostgreSQL both take it) makes
the database refuse the second one, even when two requests race.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    clashes = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT lower(username) FROM users GROUP BY lower(username) HAVING count(*) > 1"
            )
        )
        .scalars()
        .all()
    )
    if clashes:
        raise RuntimeError(
            "user names that differ only by case: "
            + ", ".join(sorted(clashes))
            + ". Disable and rename all but one of each (in SQL) before upgrading."
        )
    op.create_index(
        "ux_users_username_lower", "users", [sa.text("lower(username)")], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_users_username_lower", table_name="users")
