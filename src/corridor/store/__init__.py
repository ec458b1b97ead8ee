"""Persistence: SQLAlchemy 2 tables, Alembic migrations, transactions and the translation of
the database's errors into the domain's."""
