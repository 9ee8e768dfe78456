"""procrastinate's job queue on PostgreSQL (its tables, types, functions and triggers); nothing on SQLite

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 11:00:00

The DDL is procrastinate's own schema.sql for the pinned version (3.10.0): a later version of the library comes
with its own migration files (procrastinate/sql/migrations), which become a new revision here.
"""

from __future__ import annotations

from importlib.resources import files

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite runs its jobs in a thread of `hosho serve` (hosho.jobs): no queue tables
    _run(files("procrastinate.sql").joinpath("schema.sql").read_text(encoding="utf-8"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Every object schema.sql made is named procrastinate_*: tables first (their triggers go with them), then the
    # functions and the types they use.
    _run(
        r"""
        DO $$
        DECLARE item record;
        BEGIN
            FOR item IN SELECT tablename FROM pg_tables
                        WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\_%' LOOP
                EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.tablename);
            END LOOP;
            FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                        JOIN pg_namespace n ON n.oid = p.pronamespace
                        WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\_%' LOOP
                EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', item.signature);
            END LOOP;
            FOR item IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                        WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\_%'
                          AND t.typtype IN ('e', 'c') LOOP
                EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', item.typname);
            END LOOP;
        END $$;
        """
    )


def _run(script: str) -> None:
    """A script of several statements, as it is (no bind parameters: its % and : are SQL's), in our transaction."""
    driver = op.get_bind().connection.driver_connection
    assert driver is not None
    driver.execute(script)
