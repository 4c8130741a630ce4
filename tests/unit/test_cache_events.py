"""The query cache (ui/cache.py) is keyed by the newest event that is not a read: an event
name written by a save that were counted as a read would leave every cached page stale.

The names are written out from the writes in db/ (each ``record(...)`` call), not read from
the app; the reads are the README's "every view and export is attributable" events.
"""
from __future__ import annotations

import pytest

from db.events import READ_ACTIONS

EVENTS_WRITTEN_BY_SAVES = [
 moderation (db/moderation.py)# audits (db/audits.py)
 moderation (db/moderation.py)"case.create", "audit.create", "audit.submit", "audit.save", "audit.amend", "audit.safeguarding_ack",
 moderation (db/moderation.py)# remedial actions (db/actions.py)
 moderation (db/moderation.py)"action.done", "action.verified", "action.reopened", "action.due_changed",
 moderation (db/moderation.py)# moderation (db/moderation.py)
 moderation (db/moderation.py)"moderation.sample_drawn", "moderation.assigned", "moderation.graded", "moderation.completed",
 moderation (db/moderation.py)"audit.moderated_grades", "moderation.acknowledged",
 moderation (db/moderation.py)# meetings, risks and issues (db/meetings.py, db/risks.py, db/queries/agenda.py)
 moderation (db/moderation.py)"meeting.record", "risk.create", "risk.update", "risk.review",
 moderation (db/moderation.py)# administration (db/admin.py, db/users.py, db/templates.py, db/demo.py)
 moderation (db/moderation.py)"user.create", "user.update", "user.teams", "user.activate", "user.deactivate", "user.roles",
 moderation (db/moderation.py)"user.password_reset", "user.password_change", "team.create", "team.update", "team.activate",
 moderation (db/moderation.py)"team.deactivate", "practitioner.create", "practitioner.rename", "practitioner.activate",
 moderation (db/moderation.py)"practitioner.deactivate", "practitioner.move", "case.import", "template.load", "demo.seed",
]
READS = ["audit.view", "export", "event_log.export", "moderation.feedback_exported", "board_report.prepared",
 moderation (db/moderation.py)     "board_report.downloaded", "login.success", "login.failure", "logout", "page.refused"]


@pytest.mark.parametrize("name", EVENTS_WRITTEN_BY_SAVES)
def test_no_event_written_by_a_save_counts_as_a_read(name):
 moderation (db/moderation.py)assert name not in READ_ACTIONS


def test_reads_views_exports_and_sign_ins_leave_the_cache_alone():
 moderation (db/moderation.py)assert sorted(READ_ACTIONS) == sorted(READS)
