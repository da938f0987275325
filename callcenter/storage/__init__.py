"""The system of record: SQLModel tables, the async engine, migrations and the timeline store."""
