"""The rules that draft the weekly risks-and-issues agenda from a week's input rows (``core.agenda``
holds what an agenda is: its inputs, items, week and sections).

The rules, in agenda order (thresholds in ``AgendaRules``):

``safeguarding``
    every immediate safeguarding concern not yet acknowledged by the team's
    manager at the end of the week (or today, for the current week);
``red_practitioner``
    practitioners with two or more Red audits (Inadequate overall, moderated
    grade where moderated, internal and external audits alike) in a window of
    **four weeks ending with the chosen week**. A window, not the week alone:
    the programme audits about 40 cases a week across some 60 practitioners, so
    two Red audits of one practitioner within a single week almost never happen
    even for a practitioner who is struggling, and a month is the pattern the
    meeting exists to catch;
``red_share_rise``
    teams whose share of Red audits in the chosen week is higher than in the
    week before, with at least one Red and at least three audits this week (a
    share of one or two audits says little), and at least one audit the week
    before (otherwise there is nothing to compare with);
``overdue_actions``
    per team, remedial actions overdue at the end of the week: not done by then
    and due before then (rebuilt from ``completed_on``, so a past week shows
    what was overdue then, not now);
``moderation_disagreement``
    moderations whose blind grades came in during the week and whose overall
    grade differs from the first auditor's by two grades or more, or where half
    or more of the questions compared were graded differently;
``risk_review``
    entries of the log still open or monitored whose review date falls on or
    before the end of the week.

An item whose subject already has an open entry from the same rule in the log
carries that entry's id (``existing_risk_id``): turning it into an entry then
reviews the existing one instead of duplicating it, and no separate review item
is listed for that entry.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from core.actions import overdue_cutoff
from core.agenda import (
    DEFAULT_RULES, DONE_ACTION_STATUSES, MODERATION_DISAGREEMENT, OPEN_RISK_STATUSES, OVERDUE_ACTIONS,
    RED_PRACTITIONER, RED_SHARE_RISE, RISK_REVIEW, SAFEGUARDING, ActionFact, AgendaInputs, AgendaItem, AgendaRules,
    LAST_WEEK, THIS_WEEK, AgendaWeek, AuditFact, AuditTally, PractitionerReds, RiskFact, TeamOverdue, fmt,
)
from core.grades import Grade, Rag, rag_of
from core.workdays import working_days_between


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def was_overdue(action: ActionFact, as_of: date) -> bool:
    """Overdue on ``as_of`` by the tracker's rule: raised by then, due before the last working day on or
    before it (``core.actions.overdue_cutoff``: a Friday due date is not overdue that weekend), and not
    done by then. A reopened action counts as not done, whatever its old completion date says.
    """
    if action.raised_on > as_of or action.due_on >= overdue_cutoff(as_of):
        return False
    done_by_then = (
        action.status in DONE_ACTION_STATUSES and action.completed_on is not None and action.completed_on <= as_of
    )
    return not done_by_then


def is_red(overall: int | None) -> bool:
    """Red by the one RAG rule (``core.grades.rag_of``); not graded is not Red."""
    return rag_of(overall) is Rag.RED


# ------------------------------------------------------------------ the rules
def _safeguarding_items(week: AgendaWeek, inputs: AgendaInputs) -> list[AgendaItem]:
    items = []
    for concern in sorted(inputs.safeguarding, key=lambda c: (c.audit_date, c.audit_id)):
        if concern.audit_date > week.as_of:
            continue
        if concern.acknowledged_on is not None and concern.acknowledged_on <= week.as_of:
            continue
        waiting = working_days_between(concern.audit_date, week.as_of)
        items.append(AgendaItem(
            key=f"{SAFEGUARDING}:audit-{concern.audit_id}",
            rule=SAFEGUARDING,
            title=f"Safeguarding concern on {concern.case_reference} not acknowledged",
            reason=(
                f"Raised in the audit of {fmt(concern.audit_date)} ({concern.team}); not acknowledged by the "
                f"team's manager after {_plural(waiting, 'working day')} (on {fmt(week.as_of)})."
            ),
            severity="high",
            team_id=concern.team_id,
            team=concern.team,
        ))
    return items


def tally_of(week: AgendaWeek, audits: tuple[AuditFact, ...], rules: AgendaRules) -> AuditTally:
    """The counts the rules need, from every audit they look at (the reference for the SQL tally)."""
    start = week.red_window_start(rules)
    by_practitioner: dict[int, int] = defaultdict(int)
    team_weeks: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    names: dict[int, str] = {}
    for audit in audits:
        if audit.practitioner_id is not None and start <= audit.audit_date <= week.as_of:
            by_practitioner[audit.practitioner_id] += 1
        if audit.overall is None or audit.overall == Grade.NOT_APPLICABLE:
            continue
        if week.start <= audit.audit_date <= week.as_of:
            bucket = THIS_WEEK
        elif week.previous_start <= audit.audit_date < week.start:
            bucket = LAST_WEEK
        else:
            continue
        names[audit.team_id] = audit.team
        team_weeks[audit.team_id, bucket][0] += 1
        team_weeks[audit.team_id, bucket][1] += is_red(audit.overall)
    return AuditTally(dict(by_practitioner), {key: (n, red) for key, (n, red) in team_weeks.items()}, names)


def reds_of(week: AgendaWeek, audits: tuple[AuditFact, ...], rules: AgendaRules) -> dict[int, PractitionerReds]:
    """Each practitioner's Red audits in the Red window, counted from the audits (the reference for the
    SQL count)."""
    start = week.red_window_start(rules)
    by_practitioner: dict[int, list[AuditFact]] = defaultdict(list)
    for audit in audits:
        if audit.practitioner_id is not None and start <= audit.audit_date <= week.as_of and is_red(audit.overall):
            by_practitioner[audit.practitioner_id].append(audit)
    return {practitioner_id: PractitionerReds(len(reds), max(reds, key=lambda a: (a.audit_date, a.audit_id)))
            for practitioner_id, reds in by_practitioner.items()}


def _red_practitioner_items(week: AgendaWeek, reds: dict[int, PractitionerReds], tally: AuditTally,
                            rules: AgendaRules) -> list[AgendaItem]:
    start = week.red_window_start(rules)
    found = [(practitioner_id, tally.by_practitioner[practitioner_id], red) for practitioner_id, red in reds.items()
             if red.reds >= rules.min_red_audits]
    # Most Red audits first, then by name.
    found.sort(key=lambda f: (-f[2].reds, f[2].latest.practitioner or "", f[0]))
    items = []
    for practitioner_id, audits, red in found:
        latest = red.latest
        items.append(AgendaItem(
            key=f"{RED_PRACTITIONER}:practitioner-{practitioner_id}",
            rule=RED_PRACTITIONER,
            title=f"{latest.practitioner}: repeated Red audits",
            reason=(
                f"{red.reds} of {_plural(audits, 'audit')} Red (Inadequate overall) in the "
                f"{rules.red_window_weeks} weeks {fmt(start)} to {fmt(week.end)}; the latest on "
                f"{fmt(latest.audit_date)} in {latest.team}."
            ),
            severity="high" if red.reds >= rules.min_red_audits + 1 else "medium",
            team_id=latest.team_id,
            team=latest.team,
            practitioner_id=practitioner_id,
            practitioner=latest.practitioner,
        ))
    return items


def _red_share_items(week: AgendaWeek, tally: AuditTally, rules: AgendaRules) -> list[AgendaItem]:
    items = []
    for (team_id, bucket), (audits, reds) in tally.team_weeks.items():
        if bucket != THIS_WEEK:
            continue
        before_audits, before_reds = tally.team_weeks.get((team_id, LAST_WEEK), (0, 0))
        if reds == 0 or audits < rules.min_team_audits or before_audits == 0:
            continue
        share, before = _share(reds, audits), _share(before_reds, before_audits)
        if share <= before:
            continue
        name = tally.team_names[team_id]
        items.append(AgendaItem(
            key=f"{RED_SHARE_RISE}:team-{team_id}",
            rule=RED_SHARE_RISE,
            title=f"{name}: Red share rose",
            reason=(
                f"{share:.0%} Red in the week of {fmt(week.start)} ({reds} of {_plural(audits, 'audit')}) against "
                f"{before:.0%} the week before ({before_reds} of {before_audits})."
            ),
            severity="high" if share >= 0.5 else "medium",
            team_id=team_id,
            team=name,
        ))
    return sorted(items, key=lambda i: i.title)


def overdue_of(week: AgendaWeek, actions: tuple[ActionFact, ...]) -> dict[int, TeamOverdue]:
    """Each team's actions overdue on the agenda's day, counted from every action that might be (the
    reference for the SQL count)."""
    by_team: dict[int, list[ActionFact]] = defaultdict(list)
    for action in actions:
        if was_overdue(action, week.as_of):
            by_team[action.team_id].append(action)
    return {team_id: TeamOverdue(overdue[0].team, len(overdue), min(a.due_on for a in overdue),
                                 len({a.owner_id for a in overdue if a.owner_id is not None}))
            for team_id, overdue in by_team.items()}


def _overdue_items(week: AgendaWeek, overdue: dict[int, TeamOverdue], rules: AgendaRules) -> list[AgendaItem]:
    items = []
    # Most overdue actions first, then by team name.
    for team_id, team in sorted(overdue.items(), key=lambda t: (-t[1].actions, t[1].team, t[0])):
        if team.actions < rules.min_overdue_actions:
            continue
        late = working_days_between(team.oldest_due, week.as_of)
        if team.actions >= 5 or late >= 10:
            severity = "high"
        elif team.actions >= 2:
            severity = "medium"
        else:
            severity = "low"
        items.append(AgendaItem(
            key=f"{OVERDUE_ACTIONS}:team-{team_id}",
            rule=OVERDUE_ACTIONS,
            title=f"{team.team}: overdue remedial actions",
            reason=(
                f"{_plural(team.actions, 'action')} overdue on {fmt(week.as_of)}, owned by "
                f"{_plural(team.owners, 'practitioner')}; the oldest was due on {fmt(team.oldest_due)}, "
                f"{_plural(late, 'working day')} ago."
            ),
            severity=severity,
            team_id=team_id,
            team=team.team,
        ))
    return items


def _moderation_items(week: AgendaWeek, inputs: AgendaInputs, rules: AgendaRules) -> list[AgendaItem]:
    items = []
    for m in sorted(inputs.moderations, key=lambda m: (m.graded_on, m.moderation_id)):
        if not week.start <= m.graded_on <= week.as_of:
            continue
        gap = (
            abs(m.first_overall - m.moderator_overall)
            if m.first_overall is not None and m.moderator_overall is not None
            else 0
        )
        share = _share(m.questions_differing, m.questions_compared)
        if gap < rules.overall_disagreement and (
            m.questions_compared == 0 or share < rules.question_disagreement_share
        ):
            continue
        first = Grade(m.first_overall).label if m.first_overall is not None else "not graded"
        second = Grade(m.moderator_overall).label if m.moderator_overall is not None else "not graded"
        items.append(AgendaItem(
            key=f"{MODERATION_DISAGREEMENT}:moderation-{m.moderation_id}",
            rule=MODERATION_DISAGREEMENT,
            title=f"Moderation of {m.case_reference} ({m.team}): grades disagree",
            reason=(
                f"Moderated on {fmt(m.graded_on)}: {m.questions_differing} of "
                f"{_plural(m.questions_compared, 'question')} graded differently ({share:.0%}); overall "
                f"{first} by {m.first_auditor}, {second} by the moderator ({_plural(gap, 'grade')} apart)."
            ),
            severity="high" if gap >= rules.overall_disagreement else "medium",
            team_id=m.team_id,
            team=m.team,
        ))
    return items


def _review_items(week: AgendaWeek, inputs: AgendaInputs) -> list[AgendaItem]:
    items = []
    for risk in sorted(inputs.open_risks, key=lambda r: (r.review_on or date.min, r.risk_id)):
        if risk.status not in OPEN_RISK_STATUSES or risk.review_on is None or risk.review_on > week.end:
            continue
        subject = risk.practitioner or risk.team or "no team"
        if risk.practitioner and risk.team:
            subject = f"{risk.practitioner}, {risk.team}"
        summary = risk.description if len(risk.description) <= 80 else risk.description[:77].rstrip() + "..."
        when = "was due" if risk.review_on < week.as_of else "is due"
        items.append(AgendaItem(
            key=f"{RISK_REVIEW}:risk-{risk.risk_id}",
            rule=RISK_REVIEW,
            title=f"Review entry #{risk.risk_id} about {subject}",
            reason=f"{summary} ({risk.status}; review {when} on {fmt(risk.review_on)}).",
            severity=risk.severity,
            team_id=risk.team_id,
            team=risk.team,
            practitioner_id=risk.practitioner_id,
            practitioner=risk.practitioner,
            existing_risk_id=risk.risk_id,
        ))
    return items


def existing_entry(item: AgendaItem, open_risks: tuple[RiskFact, ...] | list[RiskFact]) -> RiskFact | None:
    """The open entry of the log already about ``item``: same rule, same subject, same title."""
    for risk in sorted(open_risks, key=lambda r: r.risk_id):
        if (
            risk.status in OPEN_RISK_STATUSES
            and risk.source == item.rule
            and risk.team_id == item.team_id
            and risk.practitioner_id == item.practitioner_id
            and risk.description.startswith(item.title)
        ):
            return risk
    return None


def build_agenda(
    week: AgendaWeek, inputs: AgendaInputs, rules: AgendaRules = DEFAULT_RULES
) -> list[AgendaItem]:
    """The suggested agenda for ``week``, in agenda order (see the module docstring)."""
    tally = inputs.tally if inputs.tally is not None else tally_of(week, inputs.audits, rules)
    items = [
        *_safeguarding_items(week, inputs),
        *_red_practitioner_items(week, inputs.red_practitioners if inputs.red_practitioners is not None
                                 else reds_of(week, inputs.audits, rules), tally, rules),
        *_red_share_items(week, tally, rules),
        *_overdue_items(week, inputs.overdue if inputs.overdue is not None else overdue_of(week, inputs.actions),
                        rules),
        *_moderation_items(week, inputs, rules),
    ]
    matched = []
    for item in items:
        risk = existing_entry(item, inputs.open_risks)
        matched.append(replace(item, existing_risk_id=risk.risk_id) if risk else item)
    covered = {item.existing_risk_id for item in matched if item.existing_risk_id is not None}
    reviews = [item for item in _review_items(week, inputs) if item.existing_risk_id not in covered]
    return matched + reviews
