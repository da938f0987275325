"""Alembic environment: runs on the connection that ``callcenter.storage.database`` passes in."""

from alembic import context
from sqlmodel import SQLModel

import callcenter.storage.callback_tables
import callcenter.storage.dispatch_tables
import callcenter.storage.tables
import callcenter.storage.users  # noqa: F401  (each registers its tables on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata)
with context.begin_transaction():
    context.run_migrations()
