"""The query cache (ui/cache.py) is keyed by the newest event that is not a read: an event
name written by a save that were counted as a read would leave every cached page stale.

The names are written out from the writes in db/ (each ``record(...)`` call), not read from
the app; the reads are the README's "every view and export is attributable" events.
"""
from __future__ import annotations

import pytest

from db.events import DRAFT_ACTIONS, READ_ACTIONS

EVENTS_WRITTEN_BY_SAVES = [
    # audits (db/audits/)
    "case.create", "audit.create", "audit.submit", "audit.save", "audit.amend", "audit.safeguarding_ack",
    # remedial actions (db/actions.py)
    "action.done", "action.verified", "action.reopened", "action.due_changed",
    # moderation (db/moderation/)
    "moderation.sample_drawn", "moderation.assigned", "moderation.graded", "moderation.completed",
    "audit.moderated_grades", "moderation.acknowledged",
    # meetings, risks and issues (db/meetings.py, db/risks.py, db/queries/agenda.py)
    "meeting.record", "risk.create", "risk.update", "risk.review",
    # administration (db/admin_users.py, db/admin_teams.py, db/case_import.py, db/users.py, db/templates.py, db/demo.py)
    "user.create", "user.update", "user.teams", "user.activate", "user.deactivate", "user.roles",
    "user.password_reset", "user.password_change", "team.create", "team.update", "team.activate",
    "team.deactivate", "practitioner.create", "practitioner.rename", "practitioner.activate",
    "practitioner.deactivate", "practitioner.move", "case.import", "template.load", "demo.seed",
]
READS = ["audit.view", "export", "export.refused", "event_log.export", "moderation.feedback_exported", "board_report.prepared",
         "board_report.downloaded", "login.success", "login.failure", "logout", "page.refused",
         # a sign-in refused unchecked while the name or address must wait: it changes nothing, and as a
         # write anyone could make without an account it would let them empty every user's cache
         "login.delayed"]


@pytest.mark.parametrize("name", EVENTS_WRITTEN_BY_SAVES)
def test_no_event_written_by_a_save_counts_as_a_read(name):
    assert name not in READ_ACTIONS


def test_reads_views_exports_and_sign_ins_leave_the_cache_alone():
    assert sorted(READ_ACTIONS) == sorted(READS)


# Saving a draft (db/audits/saving.py) records "audit.create" for a new draft and "audit.save" for a
# draft saved again: the only events the reports' version (``drafts=False``) skips besides the reads.
# Submitting, amending and everything else moves it, so a report never misses a submitted change.
DRAFT_SAVES = ["audit.create", "audit.save"]


def test_only_a_drafts_own_saves_leave_the_reports_cache_alone():
    assert sorted(DRAFT_ACTIONS) == DRAFT_SAVES


@pytest.mark.parametrize("name", [n for n in EVENTS_WRITTEN_BY_SAVES if n not in DRAFT_SAVES])
def test_every_other_save_empties_the_reports_cache(name):
    assert name not in DRAFT_ACTIONS
