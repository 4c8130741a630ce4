"""Moderation: the queue, reproducible samples, blind grading, the comparison, agreed
grades and feedback, acknowledgement, and the agreement statistics' data.

- ``db.moderation.common``: the error type, the role checks, and the one join chain from a
  moderation to its audit, case, team, theme, first auditor and moderator.
- ``db.moderation.queue``: the queue of unmoderated audits, filter choices, samples and
  assignment, and the lists of assignments.
- ``db.moderation.grading``: blind grading, the comparison, agreed grades, acknowledgement.
- ``db.moderation.stats``: the agreement statistics' data and the reflective-feedback log.

Blindness is enforced here, not in the page: ``load_blind`` never selects an
``Answer`` row or any of the first audit's free text, and ``load_comparison``
refuses a moderation whose blind grades are not in yet. Status moves
``assigned -> graded -> completed`` with conditional UPDATEs, so two sessions
cannot both submit or complete the same moderation. Completing writes
``Answer.moderated_grade`` and ``Audit.moderated_overall_grade``, which every
report uses from then on (``db.queries.common.reported_*``).
"""
