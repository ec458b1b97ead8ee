"""Persistence: SQLAlchemy 2 tables, Alembic migrations, transactions and the translation of
the database's errors into the domain's."""

# Every table module, so that the metadata always holds the whole schema.
from corridor.store import exchange_tables as exchange_tables
from corridor.store import tables as tables
from corridor.store import trader_tables as trader_tables

__all__ = ["exchange_tables", "tables", "trader_tables"]
