"""Teams and practitioners: create, rename, deactivate, move practitioners between teams (admin)."""
from ui.guard import require

user = require("admin_teams")

import streamlit as st  # noqa: E402

from core.periods import agreeing, counted  # noqa: E402
from db.admin_teams import (  # noqa: E402
    create_practitioner,
    create_team,
    move_practitioner,
    practitioner_history,
    rename_practitioner,
    set_practitioner_active,
    set_team_active,
    update_team,
)
from db.engine import write_session  # noqa: E402
from db.users import UserError  # noqa: E402
from ui.admin import table, teams_and_practitioners  # noqa: E402
from ui.flash import flash, show_flash  # noqa: E402
from ui.widgets import session, today  # noqa: E402
from ui.text import plain  # noqa: E402

PRACTITIONER_CHANGED = "admin_teams_practitioner_changed"  # the practitioner a change was just saved for

st.title("Teams and practitioners", anchor=False)
st.caption("Audits keep the team they were done in: renaming a team or moving a practitioner never rewrites them.")
show_flash("admin_teams")


def attempt(action, success: str, clear: tuple[str, ...] = (), practitioner_id: int | None = None) -> None:
    """Run one change in one transaction; show why it was refused (the form keeps what was typed),
    or note success, empty the form (``clear``: its widget keys), keep the changed practitioner
    chosen (``practitioner_id``) and refresh."""
    try:
        with write_session() as s:
            outcome = action(s)
    except UserError as error:
        st.error(plain(str(error)))
    else:
        flash("admin_teams", success(outcome) if callable(success) else success)
        for key in clear:
            st.session_state.pop(key, None)
        if practitioner_id is not None:
            st.session_state[PRACTITIONER_CHANGED] = practitioner_id
        st.rerun()


teams, practitioners = teams_and_practitioners(user.scope)
active_teams = {t.id: t.name for t in teams if t.active}
all_teams = {t.id: t.name + ("" if t.active else " (deactivated)") for t in teams}

# A keyed tab bar remembers the open tab across reruns: after a change (and its message above) the
# page stays on the tab the change was made in.
teams_tab, practitioners_tab = st.tabs(["Teams", "Practitioners"], key="admin_teams_tab", on_change="rerun")

with teams_tab:
    table(["Team", "Service area", "Active", "Practitioners", "Cases", "Managers"],
          [[t.name, t.service_area, t.active, t.practitioners, t.cases, ", ".join(t.managers)] for t in teams])
    left, right = st.columns(2)
    with left, st.form("admin_teams_add_team_form"):
        st.subheader("Add a team", anchor=False)
        name = st.text_input("Team name", key="admin_teams_add_team_name")
        area = st.text_input("Service area", key="admin_teams_add_team_area",
                             help="e.g. Assessment, Safeguarding and CIN, Children looked after")
        if st.form_submit_button("Add team", type="primary"):
            attempt(lambda s: create_team(s, scope=user.scope, name=name, service_area=area), f"Team '{name}' added.",
                    clear=("admin_teams_add_team_name", "admin_teams_add_team_area"))
    with right:
        st.subheader("Change a team", anchor=False)
        if teams:
            team_id = st.selectbox("Team", list(all_teams), format_func=all_teams.get, key="admin_teams_change_team")
            team = next(t for t in teams if t.id == team_id)
            with st.form(f"admin_teams_change_team_form_{team_id}"):
                new_name = st.text_input("Team name", value=team.name, key=f"admin_teams_change_team_name_{team_id}")
                new_area = st.text_input("Service area", value=team.service_area, key=f"admin_teams_change_team_area_{team_id}")
                if st.form_submit_button("Save team"):
                    attempt(lambda s: update_team(s, scope=user.scope, team_id=team_id, name=new_name,
                                                  service_area=new_area), f"Team saved as '{new_name.strip()}'.")
            if team.active:
                if st.button(f"Deactivate {plain(team.name)}", help="Only a team with no active practitioners."):
                    attempt(lambda s: set_team_active(s, scope=user.scope, team_id=team_id, active=False),
                            f"{team.name} is deactivated.")
            elif st.button(f"Reactivate {plain(team.name)}"):
                attempt(lambda s: set_team_active(s, scope=user.scope, team_id=team_id, active=True),
                        f"{team.name} is active again.")

with practitioners_tab:
    team_filter = st.selectbox("Show", [None, *all_teams], format_func=lambda t: "All teams" if t is None else all_teams[t],
                               key="admin_teams_practitioners_team")
    shown = [p for p in practitioners if team_filter is None or p.team_id == team_filter]
    table(["Practitioner", "Team", "Active", "Cases allocated", "Audits"],
          [[p.name, p.team, p.active, p.cases, p.audits] for p in shown])
    st.caption(f"{counted(len(shown), 'practitioner')}.")

    left, right = st.columns(2)
    with left, st.form("admin_teams_add_practitioner_form"):
        st.subheader("Add a practitioner", anchor=False)
        name = st.text_input("Name", key="admin_teams_add_practitioner_name")
        team_id = st.selectbox("Team", list(active_teams), format_func=active_teams.get, key="admin_teams_add_practitioner_team")
        if st.form_submit_button("Add practitioner", type="primary"):
            attempt(lambda s: create_practitioner(s, scope=user.scope, name=name, team_id=team_id, on=today()),
                    f"{name.strip()} added to {active_teams.get(team_id, '')}.", clear=("admin_teams_add_practitioner_name",))
    with right:
        st.subheader("Change a practitioner", anchor=False)
        by_id = {p.id: p for p in shown}  # the team chosen under "Show" narrows this list too
        changed = st.session_state.pop(PRACTITIONER_CHANGED, None)
        if changed in by_id:
            # Its label (name and team) changed: choosing it again makes the picker show the new label.
            st.session_state["admin_teams_change_practitioner"] = changed
        if by_id:
            chosen = st.selectbox(
                "Practitioner", list(by_id), key="admin_teams_change_practitioner",
                format_func=lambda i: f"{by_id[i].name} ({by_id[i].team}){'' if by_id[i].active else ' - deactivated'}",
            )
            practitioner = by_id[chosen]
            with st.form(f"admin_teams_rename_practitioner_form_{chosen}"):
                new_name = st.text_input("Name", value=practitioner.name, key=f"admin_teams_rename_practitioner_name_{chosen}")
                if st.form_submit_button("Rename"):
                    attempt(lambda s: rename_practitioner(s, scope=user.scope, practitioner_id=chosen, name=new_name),
                            f"Renamed to {new_name.strip()}.", practitioner_id=chosen)
            with st.form(f"admin_teams_move_practitioner_form_{chosen}"):
                targets = [t for t in active_teams if t != practitioner.team_id]
                to_team = st.selectbox("Move to team", targets, format_func=active_teams.get, key=f"admin_teams_move_practitioner_team_{chosen}")
                moved_on = st.date_input("From", value=today(), max_value=today(), format="DD/MM/YYYY",
                                         key=f"admin_teams_move_practitioner_on_{chosen}")
                if st.form_submit_button("Move", disabled=not practitioner.active):
                    attempt(
                        lambda s: move_practitioner(s, scope=user.scope, practitioner_id=chosen, to_team_id=to_team,
                                                    moved_on=moved_on, today=today()),
                        lambda r: f"{practitioner.name} moved from {r.from_team} to {r.to_team}. Their audits stay "
                                  f"with {r.from_team}."
                                  + (f" {counted(r.cases_left_behind, 'case')} of {r.from_team} "
                                     f"{agreeing(r.cases_left_behind, 'is', 'are')} still allocated to them: "
                                     "reallocate them with the next case import." if r.cases_left_behind else ""),
                        practitioner_id=chosen,
                    )
            if practitioner.active:
                if st.button(f"Deactivate {plain(practitioner.name)}"):
                    attempt(lambda s: set_practitioner_active(s, scope=user.scope, practitioner_id=chosen,
                                                              active=False), f"{practitioner.name} is deactivated.")
            elif st.button(f"Reactivate {plain(practitioner.name)}"):
                attempt(lambda s: set_practitioner_active(s, scope=user.scope, practitioner_id=chosen, active=True),
                        f"{practitioner.name} is active again.")
            with session() as s:
                history = practitioner_history(s, user.scope, chosen)
            st.markdown("**Team history**")
            table(["Date", "From team", "To team", "Recorded by"],
                  [[m.moved_on, m.from_team, m.to_team, m.moved_by] for m in history])
            if not history:
                st.caption("No moves recorded (practitioners added before the history began).")
