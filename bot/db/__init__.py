"""Persistence: SQLModel tables, the async engine, migrations and repositories."""
