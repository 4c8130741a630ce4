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
