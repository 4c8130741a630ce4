"""One rule each, against hand counts: the programme week of a date (``core.periods.week_of``, the only
implementation: the Progress queries group by day in SQL and put days into weeks with it), and the RAG
of a grade, which exists twice (``core.grades.rag_of`` and ``db.queries.common.rag_expression`` in SQL),
run on the same rows on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, Integer, MetaData, Table, func, insert, select

from core.agenda_rules import is_red
from core.grades import effective_grade, rag_of
from core.periods import week_of
from db.engine import get_engine
from db.queries.common import rag_expression

START = date(2026, 9, 7)  # a Monday, the demo programme's start on the reference day

# Hand count, week 1 = Mon 7 - Sun 13 Sep 2026. Weekends and bank holidays count like any day.
WEEKS_BEFORE_THE_START = [
    (date(2026, 8, 30), -1),  # Sunday, 8 days before: the seven days 24-30 Aug are week -1
    (date(2026, 8, 31), 0),   # the August bank holiday, 7 days before: 31 Aug - 6 Sep is week 0
    (date(2026, 9, 6), 0),    # Sunday, the day before the start: week 0, never week 1
]
WEEKS_FROM_THE_START = [
    (date(2026, 9, 7), 1),    # the start
    (date(2026, 9, 13), 1),   # its Sunday
    (date(2026, 9, 14), 2),   # the next Monday
    (date(2026, 11, 26), 12),  # the reference day: week 12 began on Mon 23 Nov (7 Sep + 77 days)
    (date(2026, 12, 25), 16),  # Christmas (Friday): week 16 is Mon 21 - Sun 27 Dec (7 Sep + 105 days)
    (date(2026, 12, 28), 17),  # the substitute Boxing Day bank holiday (Monday) starts week 17
    (date(2026, 12, 31), 17),  # the year ends inside week 17 ...
    (date(2027, 1, 1), 17),    # ... and New Year's Day, a bank holiday, is in it too
    (date(2027, 1, 4), 18),    # the first Monday of 2027
]


def _table() -> tuple[MetaData, Table]:
    metadata = MetaData()
    rows = Table("rule_rows", metadata, Column("id", Integer, primary_key=True), Column("day", Date),
                 Column("grade", Integer), Column("moderated_grade", Integer))
    return metadata, rows


def _run(db_url: str, rows: list[dict], columns) -> list[tuple]:
    """Store ``rows`` in a table of their own and select ``columns(table)`` from them, in order."""
    metadata, table = _table()
    with get_engine(db_url).begin() as connection:
        metadata.create_all(connection)
        connection.execute(insert(table), [{"id": i, **row} for i, row in enumerate(rows, 1)])
        result = [tuple(r) for r in connection.execute(select(*columns(table)).order_by(table.c.id)).all()]
        metadata.drop_all(connection)
    return result


def test_python_week_of_gives_the_hand_count_before_on_and_after_the_start():
    for day, week in WEEKS_BEFORE_THE_START + WEEKS_FROM_THE_START:
        assert week_of(START, day) == week, day


# (first grade, moderated grade, RAG of the grade reporting uses), by the domain's table:
# Outstanding and Good are Green, Requires improvement Amber, Inadequate Red, Not applicable none.
RAG_ROWS = [
    (4, None, "G"),    # Outstanding
    (3, None, "G"),    # Good
    (2, None, "A"),    # Requires improvement
    (1, None, "R"),    # Inadequate
    (0, None, None),   # Not applicable
    (None, None, None),  # not graded yet
    (3, 1, "R"),       # Good, moderated to Inadequate: the moderated grade counts
    (1, 4, "G"),       # Inadequate, moderated to Outstanding
    (2, 2, "A"),       # moderation agreed
    (4, 0, None),      # moderated to Not applicable
]


def test_rag_in_sql_and_in_python_is_the_domains_table(db_url):
    stored = [{"grade": first, "moderated_grade": moderated} for first, moderated, _ in RAG_ROWS]
    sql = _run(db_url, stored, lambda t: (
        t.c.grade, t.c.moderated_grade, rag_expression(func.coalesce(t.c.moderated_grade, t.c.grade))))
    assert sql == [(first, moderated, rag) for first, moderated, rag in RAG_ROWS]
    python = [(first, moderated, (r := rag_of(effective_grade(first, moderated))) and r.value)
              for first, moderated, _ in RAG_ROWS]
    assert python == [(first, moderated, rag) for first, moderated, rag in RAG_ROWS]
    # The agenda's "Red audit" is the same rule, not a grade comparison of its own.
    assert [is_red(effective_grade(first, moderated)) for first, moderated, _ in RAG_ROWS] == [
        rag == "R" for _, _, rag in RAG_ROWS]
