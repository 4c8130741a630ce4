"""The demo's teams, practitioners and users (the sign-in accounts of ``db.demo_accounts`` and the
auditors and managers of the story, who cannot sign in)."""
from __future__ import annotations

from sqlmodel import Session

from core.authz import Role
from db.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORDS
from db.demo_context import DemoContext
from db.demo_story import DEMO_MANAGER_TEAM, FIRST_NAMES, LAST_NAMES, MANAGER_NAMES, OTHER_AUDITORS, TEAMS
from db.models import Practitioner, Team
from db.users import create_user


def people(ctx: DemoContext, session: Session) -> None:
    for name, area in TEAMS:
        team = Team(name=name, service_area=area)
        session.add(team)
        ctx.teams[name] = team
    session.flush()
    names = [(f, l) for f in FIRST_NAMES for l in LAST_NAMES]
    ctx.rng.shuffle(names)
    team_list = list(ctx.teams.values())
    for index in range(60):
        first, last = names[index]
        team = team_list[index % len(team_list)]
        practitioner = Practitioner(name=f"{first} {last}", team_id=team.id)
        session.add(practitioner)
        ctx.practitioners.setdefault(team.id, []).append(practitioner)
    session.flush()

    for username, (display, roles) in DEMO_ACCOUNTS.items():
        teams = {ctx.teams[DEMO_MANAGER_TEAM].id} if Role.MANAGER in roles else set()
        ctx.users[username] = create_user(
            session, actor="demo", username=username, display_name=display, password=DEMO_PASSWORDS[username],
            roles=roles, managed_team_ids=teams, email=f"{username}@demo.invalid", check_strength=False,
            bcrypt_rounds=10,
        )
    # Everyone else in the demo story cannot sign in: their passwords are random and unknown.
    for username, display in OTHER_AUDITORS:
        ctx.users[username] = create_user(
            session, actor="demo", username=username, display_name=display, password=_random_password(ctx),
            roles={Role.AUDITOR}, check_strength=False, bcrypt_rounds=4,
        )
    other_teams = [name for name, _ in TEAMS if name != DEMO_MANAGER_TEAM]
    for display, team_name in zip(MANAGER_NAMES, other_teams):
        username = display.split()[0][0].lower() + "." + display.split()[1].lower()
        ctx.users[team_name] = create_user(
            session, actor="demo", username=username, display_name=display, password=_random_password(ctx),
            roles={Role.MANAGER}, managed_team_ids={ctx.teams[team_name].id}, check_strength=False, bcrypt_rounds=4,
        )
    ctx.users[DEMO_MANAGER_TEAM] = ctx.users["manager"]


def _random_password(ctx: DemoContext) -> str:
    return "".join(ctx.rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(24))
