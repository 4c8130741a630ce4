"""The models and the migrations describe one schema (issue 12, point 3).

``alembic revision --autogenerate`` compares ``db.models`` with a migrated database: anything
declared on one side only (a table, a column, an index such as the heatmaps' covering indexes
of migration 0002) would be dropped or added by the next generated migration. After
``upgrade head`` the comparison must find nothing, on SQLite and on PostgreSQL.
"""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table)
from db.engine import get_engine


def test_models_and_migrations_describe_the_same_schema(db_url):
    with get_engine(db_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], "db/models.py and alembic/versions differ:\n" + "\n".join(map(repr, diff))


def test_the_heatmap_indexes_are_declared_in_the_models():
    """The three covering indexes of migration 0002, with their columns in order."""
    indexes = {index.name: [c.name for c in index.columns]
               for table in SQLModel.metadata.tables.values() for index in table.indexes}
    assert indexes["ix_audit_heatmap"] == ["status", "team_id", "theme_id", "audit_date", "kind", "practitioner_id",
                                           "overall_grade", "moderated_overall_grade", "id"]
    assert indexes["ix_audit_heatmap_period"] == ["status", "audit_date", "team_id", "theme_id", "kind",
                                                  "practitioner_id", "overall_grade", "moderated_overall_grade", "id"]
    assert indexes["ix_answer_heatmap"] == ["audit_id", "question_id", "grade", "moderated_grade"]


def test_an_audits_team_and_author_are_found_by_its_id_from_an_index(db_url):
    """Migration 0012: the columns a moderation's join to its audit reads, in an index led by the id."""
    from sqlalchemy import inspect

    indexes = {i["name"]: i["column_names"] for i in inspect(get_engine(db_url)).get_indexes("audit")}
    assert indexes["ix_audit_by_id"] == ["id", "status", "team_id", "auditor_id", "template_version_id",
                                        "overall_grade", "moderated_overall_grade"]


def test_the_reported_grade_indexes_are_created_with_their_expression(db_url):
    """Migration 0008's two indexes end on an expression, which SQLite's reflection skips (the
    comparison above sees them on PostgreSQL only): read them back from the database itself."""
    from sqlalchemy import text

    with get_engine(db_url).connect() as conn:
        if conn.dialect.name == "sqlite":
            found = dict(conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_audit_day_%'")).all())
        else:
            found = dict(conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_audit_day_%'")).all())
    normalised = {name: " ".join(sql.lower().replace('"', "").split()) for name, sql in found.items()}
    assert sorted(normalised) == ["ix_audit_day_team_grade", "ix_audit_day_theme_grade"]
    assert ("(status, audit_date, theme_id, kind, coalesce(moderated_overall_grade, overall_grade), "
            "moderated_overall_grade, overall_grade)") in normalised["ix_audit_day_theme_grade"]
    assert ("(status, audit_date, team_id, kind, coalesce(moderated_overall_grade, overall_grade), "
            "moderated_overall_grade, overall_grade)") in normalised["ix_audit_day_team_grade"]


def test_downgrades_keep_the_rows_that_cascade_from_the_tables_they_alter(sqlite_demo_url):
    """A downgrade that copied and dropped a table on SQLite (Alembic's batch mode) would delete the
    rows of every table that refers to it with ON DELETE CASCADE: each user's roles and teams (0003,
    the user table), each moderation's grades (0009, the moderation table)."""
    from sqlalchemy import text

    from db import migrate

    counts = text("SELECT (SELECT count(*) FROM user_role), (SELECT count(*) FROM managed_team), "
                  "(SELECT count(*) FROM moderation_answer)")
    engine = get_engine(sqlite_demo_url)
    with engine.connect() as conn:
        before = tuple(conn.execute(counts).one())
    assert all(n > 0 for n in before)
    migrate.downgrade(sqlite_demo_url, "0002")
    with engine.connect() as conn:
        assert tuple(conn.execute(counts).one()) == before
    migrate.upgrade(sqlite_demo_url)
    with engine.connect() as conn:
        assert tuple(conn.execute(counts).one()) == before


def test_postgresql_knows_how_few_action_date_combinations_there_are(db_url):
    """Migration 0011: multivariate statistics of the actions' four dates, which Progress groups by
    (PostgreSQL only; without them it expected a group per action and sorted them all on disk)."""
    import pytest
    from sqlalchemy import text

    from db import migrate

    if get_engine(db_url).dialect.name != "postgresql":
        pytest.skip("PostgreSQL's statistics")
    found = text("SELECT stxname, stxkind::text, "
                 "(SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute "
                 " WHERE attrelid = stxrelid AND attnum = ANY(stxkeys)) FROM pg_statistic_ext")
    with get_engine(db_url).connect() as conn:
        rows = conn.execute(found).all()
    assert [(name, kind, list(columns)) for name, kind, columns in rows] == [
        ("st_action_dates", "{d}", ["raised_on", "due_on", "completed_on", "verified_on"])]
    migrate.downgrade(db_url, "0010")
    with get_engine(db_url).connect() as conn:
        assert conn.execute(found).all() == []
    migrate.upgrade(db_url)
