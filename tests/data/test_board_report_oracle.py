"""Oracle: the board report of a demo month against an independent count of the stored rows.

The report is built as the board receives it (a sponsor's report, PDF and Excel files). Every
headline figure, and the remedial-action table, is then recounted here from the database rows
with plain SQL and pandas, and working days with numpy's ``busday_count`` over the ``holidays``
package's England calendar: no function of the app is called to compute an expected value. The
rules are the README's, written out again:

- RAG: the moderated overall grade where there is one, else the first; Red = Inadequate (1),
  Green = Good or Outstanding (3, 4); over submitted audits (external and internal) of the period.
- Exact agreement: graded answers (first and moderated grade both 1-4) of submitted audits whose
  moderation was completed in the period; exact when the two grades are equal.
- Done within 5 working days: actions of submitted audits raised in the period; an action counts
  once it is done (by the report date) or its 5 working days after the day raised have passed;
  in time if the working days after the day raised up to the day done are at most 5.
- Overdue on the period's last day: raised by then, not done by then, and at least one working
  day after its due date has passed by then.
- Liveness: external audits with the date of the work audited; within 7 days of it.

Month 3 is built: its previous-period columns carry month 2, so one build checks both months
(month 2 ends on a Sunday, month 3 is still running on the demo's day). Before it, the rows behind
issue 13's wrong figures are added to the demo: a Friday-raised action done on the Saturday after
its fifth working day, actions due on the Friday before month 2's last day (a Sunday), and a draft
audit with an action.
"""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import holidays
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text
from sqlmodel import Session, select

from core.authz import Role, Scope
from core.board_report import build_board_report
from core.periods import parse_period
from db.engine import get_engine
from db.models import Audit, RemedialAction, User
from db.queries.progress import progress_report
from db.rollups import rebuild
from tests.conftest import DEMO_TODAY

SPONSOR = Scope(0, "sponsor", frozenset({Role.SPONSOR}))


# ------------------------------------------------------------------ the independent count
def _frames(engine) -> dict[str, pd.DataFrame]:
    with engine.connect() as connection:
        def read(sql: str) -> pd.DataFrame:
            return pd.read_sql(text(sql), connection)

        return {
            "programme": read("SELECT start_date, weeks FROM programme WHERE active ORDER BY start_date DESC"),
            "audits": read("SELECT a.id, a.kind, a.status, a.audit_date, a.work_date, a.overall_grade, "
                           "a.moderated_overall_grade, t.name AS team FROM audit a JOIN team t ON t.id = a.team_id"),
            "answers": read("SELECT audit_id, grade, moderated_grade FROM answer"),
            "moderations": read("SELECT audit_id, status, completed_at FROM moderation"),
            "actions": read("SELECT r.audit_id, r.raised_on, r.due_on, r.completed_on, r.verified_on "
                            "FROM remedial_action r"),
            "meetings": read("SELECT kind, held_on FROM meeting"),
        }


def _day(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series.astype("string").str.slice(0, 10)).dt.date


def _bank_holidays() -> list[np.datetime64]:
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(2024, 2029))
    return [np.datetime64(d) for d in days]


HOLIDAYS = _bank_holidays()


def _working_days_after(first: date, last: date) -> int:
    """Working days d with first < d <= last (England and Wales)."""
    return int(np.busday_count(np.datetime64(first + timedelta(days=1)), np.datetime64(last + timedelta(days=1)),
                               holidays=HOLIDAYS))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _oracle(frames: dict[str, pd.DataFrame], first: date, last: date, as_of: date) -> dict:
    audits = frames["audits"].copy()
    audits["audit_date"] = _day(audits["audit_date"])
    audits["work_date"] = audits["work_date"].where(audits["work_date"].notna())
    submitted = audits[audits["status"] == "submitted"]
    in_period = submitted[(submitted["audit_date"] >= first) & (submitted["audit_date"] <= last)]
    grade = in_period["moderated_overall_grade"].fillna(in_period["overall_grade"])
    graded = grade[grade.isin([1, 2, 3, 4])]

    start = _day(frames["programme"]["start_date"]).iloc[0]
    external_to_date = submitted[(submitted["kind"] == "external") & (submitted["audit_date"] >= start)
                                 & (submitted["audit_date"] <= last)]

    moderations = frames["moderations"].copy()
    moderations = moderations[moderations["status"] == "completed"]
    moderations["completed_on"] = _day(moderations["completed_at"])
    moderated = set(moderations[(moderations["completed_on"] >= first)
                                & (moderations["completed_on"] <= last)]["audit_id"])
    moderated &= set(submitted["id"])
    answers = frames["answers"]
    pairs = answers[answers["audit_id"].isin(moderated) & answers["grade"].isin([1, 2, 3, 4])
                    & answers["moderated_grade"].isin([1, 2, 3, 4])]

    actions = frames["actions"].copy()
    for column in ("raised_on", "due_on", "completed_on", "verified_on"):
        actions[column] = actions[column].where(actions[column].isna(), _day(actions[column].dropna()))
    actions = actions[actions["audit_id"].isin(set(submitted["id"]))]
    raised = actions[(actions["raised_on"] >= first) & (actions["raised_on"] <= last)]
    counted = in_time = 0
    for row in raised.itertuples():
        done = row.completed_on if isinstance(row.completed_on, date) and row.completed_on <= as_of else None
        if done is not None:
            counted += 1
            in_time += _working_days_after(row.raised_on, done) <= 5
        elif _working_days_after(row.raised_on, as_of) > 5:
            counted += 1

    def between(column: str) -> int:
        values = actions[column]
        return int(sum(isinstance(v, date) and first <= v <= last for v in values))

    overdue = sum(
        1 for row in actions.itertuples()
        if row.raised_on <= last
        and not (isinstance(row.completed_on, date) and row.completed_on <= last)
        and _working_days_after(row.due_on, last) >= 1
    )

    meetings = frames["meetings"].copy()
    meetings["held_on"] = _day(meetings["held_on"])
    mentoring = meetings[meetings["kind"].isin(["mentoring", "reflective"]) & (meetings["held_on"] >= first)
                         & (meetings["held_on"] <= last)]

    external = in_period[(in_period["kind"] == "external") & in_period["work_date"].notna()]
    live_days = [(a - _day(pd.Series([w])).iloc[0]).days for a, w in zip(external["audit_date"], external["work_date"])]

    by_team = {team: len(rows) for team, rows in in_period.groupby("team")}
    return {
        "External audits submitted in the period": (int((in_period["kind"] == "external").sum()), None),
        "External audits to date": (len(external_to_date), None),
        "Red audits (Inadequate overall)": (_share(int((graded == 1).sum()), len(graded)), len(graded)),
        "Green audits (Good or Outstanding overall)": (_share(int(graded.isin([3, 4]).sum()), len(graded)),
                                                       len(graded)),
        "Moderation: exact agreement of first and moderated grades": (
            _share(int((pairs["grade"] == pairs["moderated_grade"]).sum()), len(pairs)), len(pairs)),
        "Remedial actions done within 5 working days of being raised": (_share(in_time, counted), counted),
        "Mentoring and reflective meetings held": (len(mentoring), None),
        "External audits of work from the 7 days before the audit": (
            _share(sum(d <= 7 for d in live_days), len(live_days)), len(live_days)),
        "actions": {"Raised": len(raised), "Done": between("completed_on"), "Verified": between("verified_on"),
                    "Due (5 working days passed, or done)": counted, "Done within 5 working days": in_time,
                    "Overdue on the period's last day": overdue},
        "in_time_words": f"{in_time} of {counted}",
        "audits_by_team": by_team,
    }


# ------------------------------------------------------------------ the test
def _headline_sheet(workbook) -> dict[str, tuple]:
    rows = workbook["Headline figures"].iter_rows(min_row=2, values_only=True)
    return {row[0]: row for row in rows}


def _approx(value):
    return None if value is None else pytest.approx(value, abs=1e-9)


def _add_the_cases_the_issue_found(engine, m2_first: date, m2_last: date) -> None:
    """The demo plus the rows behind issue 13's three wrong figures (the demo itself may hold none)."""
    with Session(engine) as session:
        audit = session.exec(select(Audit).where(Audit.status == "submitted", Audit.audit_date >= m2_first,
                                                 Audit.audit_date <= m2_last).order_by(Audit.id)).first()
        user_id = session.exec(select(User.id).order_by(User.id)).first()
        draft = Audit(case_id=audit.case_id, theme_id=audit.theme_id, template_version_id=audit.template_version_id,
                      kind="internal", auditor_id=audit.auditor_id, team_id=audit.team_id, audit_date=m2_first,
                      status="draft", overall_grade=1)
        session.add(draft)
        session.flush()
        friday = m2_first + timedelta(days=4)  # programme weeks start on a Monday
        for audit_id, raised, due, done in (
            (audit.id, friday, friday + timedelta(days=7), friday + timedelta(days=8)),  # done the Saturday after
            (audit.id, m2_last - timedelta(days=9), m2_last - timedelta(days=2), m2_last + timedelta(days=1)),
            (audit.id, m2_last - timedelta(days=9), m2_last - timedelta(days=2), None),
            (draft.id, m2_first, m2_first + timedelta(days=7), None),  # a draft's action: nowhere
        ):
            session.add(RemedialAction(audit_id=audit_id, description="Record the child's views", raised_by_id=user_id,
                                       raised_on=raised, due_on=due, status="done" if done else "open",
                                       completed_on=done, completion_note="Views recorded" if done else ""))
        rebuild(session)  # rows planted as a bulk load plants them: the rollups recounted (db.rollups)
        session.commit()


def test_the_board_report_of_month_3_matches_an_independent_count_of_the_rows(demo_url):
    engine = get_engine(demo_url)
    start = _day(_frames(engine)["programme"]["start_date"]).iloc[0]
    # Programme months are 4 programme weeks: month 3 is weeks 9-12, month 2 weeks 5-8.
    m3_first, m3_end = start + timedelta(weeks=8), start + timedelta(weeks=12, days=-1)
    m2_first, m2_last = start + timedelta(weeks=4), start + timedelta(weeks=8, days=-1)
    m3_last = min(m3_end, DEMO_TODAY)
    _add_the_cases_the_issue_found(engine, m2_first, m2_last)
    frames = _frames(engine)
    with Session(engine) as session:
        period = parse_period("m3", start, 12, DEMO_TODAY)
        report = progress_report(session, SPONSOR, period, DEMO_TODAY)
    assert (period.start, period.end) == (m3_first, m3_end)
    files = build_board_report(report)
    workbook = load_workbook(io.BytesIO(files.xlsx))
    front = {row[0]: row[1] for row in workbook["Report"].iter_rows(min_row=2, values_only=True)}
    assert front["Period starts"].date() == m3_first and front["Period ends"].date() == m3_end

    current = _oracle(frames, m3_first, m3_last, DEMO_TODAY)
    previous = _oracle(frames, m2_first, m2_last, DEMO_TODAY)
    headline = _headline_sheet(workbook)
    labels = [label for label in current if label not in ("actions", "in_time_words", "audits_by_team")]
    to_date = next(label for label in headline if label.startswith("External audits, programme start"))
    assert len(headline) == len(labels)  # every headline figure is checked below
    for label in labels:
        row = headline[to_date if label == "External audits to date" else label]
        value, n = current[label]
        assert row[2] == _approx(value) and row[3] == (396 if label == "External audits to date" else n), label
        if label != "External audits to date":
            before, before_n = previous[label]
            assert row[5] == _approx(before) and row[6] == before_n, label

    # The remedial-action table, this month and the one before.
    sheet = {row[0]: row[1:3] for row in workbook["Remedial actions"].iter_rows(min_row=2, values_only=True)}
    for name, expected in current["actions"].items():
        assert sheet[name][0] == expected, name
    for name, expected in previous["actions"].items():
        assert sheet[name][1] == expected, name

    # The board's team table: every team it shows has its own count; the others have no figures.
    teams = {row[0]: row for row in workbook["By team"].iter_rows(min_row=2, values_only=True)}
    for team, audits in current["audits_by_team"].items():
        row = teams[team]
        if audits < 3:
            assert row[1:12] == (None,) * 11 and row[12] == "fewer than 3 audits", team
        elif row[12] is None:
            assert row[1] + row[2] == audits, team

    # The PDF prints the same figures, each share with its n.
    pdf = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(files.pdf)).pages))
    red, graded = current["Red audits (Inadequate overall)"]
    assert f"Red audits (Inadequate overall) {int(red * 100 + 0.5)}% of {graded} audits" in pdf
    assert f"({current['in_time_words']})" in pdf
    raised = current["actions"]
    assert f"{raised['Raised']} raised, {raised['Done']} done and {raised['Verified']} verified" in pdf
    assert f"{raised['Overdue on the period' + chr(39) + 's last day']} overdue on" in pdf
