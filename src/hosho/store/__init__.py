"""Storage adapter: SQLAlchemy models, Alembic migrations, the database factory and repositories."""
