"""Issue 14, point 3: a case reference that identifies a child (a date of birth, a name)
is refused, the same way on the audit form and on import; real case-system ids pass."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db.audits.choices import practitioner_choices, team_choices
from core.casereference import problem_with
from db.engine import get_engine
from db.models import Case, Practitioner, Team
from db.users import load_signed_in
from tests.app.conftest import page_test, texts

# The attacks of the sweep (issue 14) and their kin: dates with a month's name and any
# separator, six- and eight-digit dates alone or inside other text, names beside digits.
REFUSED = [
    ("12-Mar-2015", "date of birth"),
    ("12-MAR-2015B", "date of birth"),
    ("12MAR2015", "date of birth"),
    ("12.Mar.15", "date of birth"),
    ("March-2015-77", "date of birth"),
    ("120315", "date of birth"),
    ("D0B-01032015", "date of birth"),
    ("LCS-20150312", "date of birth"),
    ("DOB-120315", "date of birth"),
    ("DOB120315", "date of birth"),
    ("SMITH-JANE-0412", "name"),
    ("SMITH-JANE-0999", "name"),
    ("JSMITH0412", "name"),
    # refused before the fix too, and still
    ("Jane Smith", "name"),
    ("12/03/2015", "date of birth"),
    ("15 Acacia Avenue", "address"),
]
# Real case-system ids: LCS and Mosaic person ids, a Child in Need number with slashes.
# LCS110191: six digits glued to the system prefix are an id (the demo holds such ids).
ACCEPTED = ["LCS362168", "MOS-00412", "CIN/2026/0042", "LCS123456", "MOS-004512", "CP-77-1234", "1234567",
            "LCS110191"]


@pytest.mark.parametrize("reference, words", REFUSED)
def test_identifying_references_are_refused_with_the_reason(reference, words):
    problem = problem_with(reference)
    assert problem is not None and words in problem


@pytest.mark.parametrize("reference", ACCEPTED)
def test_real_case_system_references_are_accepted(reference):
    assert problem_with(reference) is None


def _add_case(at, app_db, reference: str):
    with Session(get_engine(app_db)) as session:
        scope = load_signed_in(session, "auditor").scope
        team = next(t for t in team_choices(session, scope, "external") if t.name == "Child Protection")
        practitioner = practitioner_choices(session, team.id)[0]
    at.text_input(key="audit_entry_form_new_case_reference").input(reference)
    at.selectbox(key="audit_entry_form_new_case_team_id").set_value(team.id).run()
    at.selectbox(key="audit_entry_form_new_case_practitioner_id").set_value(practitioner.id)
    at.button(key="audit_entry_new_case_add").click().run()
    return at


def _stored(app_db, reference: str) -> bool:
    with Session(get_engine(app_db)) as session:
        return session.exec(select(Case).where(Case.reference == reference.upper())).first() is not None


def test_the_audit_form_refuses_what_the_sweep_typed_and_adds_a_slashed_reference(app_db):
    at = page_test("pages/audit_entry.py", "auditor").run()
    for reference in ("12-Mar-2015", "120315", "SMITH-JANE-0412", "D0B-01032015"):
        _add_case(at, app_db, reference)
        assert not at.exception
        assert any("looks like" in e.value for e in at.error), reference
        assert not _stored(app_db, reference)
    _add_case(at, app_db, "CIN/2026/0042")
    assert "Case CIN/2026/0042 added to Child Protection." in texts(at)
    assert _stored(app_db, "CIN/2026/0042")


def test_the_import_refuses_what_the_sweep_imported(app_db):
    at = page_test("pages/case_import.py", "support").run()
    with Session(get_engine(app_db)) as session:
        north = session.exec(select(Team.id).where(Team.name == "Assessment North")).one()
        worker = session.exec(select(Practitioner.name).where(Practitioner.team_id == north)).first()
    data = ("Case reference,Team,Allocated practitioner,Service area\n"
            f"12-MAR-2015B,Assessment North,{worker},\n"
            f"SMITH-JANE-0999,Assessment North,{worker},\n"
            f"CIN/2026/0042,Assessment North,{worker},\n").encode()
    at.file_uploader[0].upload("cases.csv", data, "text/csv")
    at.run()
    assert not at.exception
    problems = at.dataframe[0].value
    assert problems.values.tolist() == [
        [2, "Case reference", "This looks like a date of birth. Use the pseudonymised case reference."],
        [3, "Case reference", "This looks like a name. Use the pseudonymised case reference, never a child's name."],
    ]
    shown = texts(at)
    assert "12-MAR-2015B" not in shown and "SMITH-JANE-0999" not in shown  # withheld from the preview too
    next(b for b in at.button if b.label == "Import 1 case").click().run()
    assert _stored(app_db, "CIN/2026/0042")
    assert not _stored(app_db, "12-MAR-2015B") and not _stored(app_db, "SMITH-JANE-0999")
