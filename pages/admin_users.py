"""Users: add people, change their roles and teams, deactivate them, reset passwords (admin)."""
from ui.guard import require

user = require("admin_users")

import streamlit as st  # noqa: E402

from core.authz import Role  # noqa: E402
from db.admin_teams import list_teams  # noqa: E402
from db.admin_users import (  # noqa: E402
    create_account,
    list_users,
    reset_password,
    set_user_active,
    update_account,
)
from db.engine import write_session  # noqa: E402
from db.identities import create_provider_account, sign_in_rows  # noqa: E402
from db.users import UserError  # noqa: E402
from ui.admin import role_label, suggest_password, table  # noqa: E402
from ui.flash import flash, show_flash  # noqa: E402
from ui.auth import settings  # noqa: E402
from ui.oidc import SIGN_IN_LABELS, draw_sign_in_admin  # noqa: E402
from ui.text import plain  # noqa: E402
from ui.widgets import session  # noqa: E402

ROLE_VALUES = [r.value for r in Role]

st.title("Users", anchor=False)
st.caption("Everyone who can sign in, their roles and the teams managers see. Every change is in the event log.")
show_flash("admin_users")

with session() as s:
    users = list_users(s, user.scope)
    teams = list_teams(s, user.scope, active_only=True)
    methods = sign_in_rows(s, user.scope)
config = settings()
team_names = {t.id: t.name for t in teams}
by_username = {u.username: u for u in users}

table(
    ["Username", "Name", "Email", "Roles", "Teams managed", "Active", "Signs in with", "Provider identity",
     "Must change password", "Failed sign-ins in a row", "Sign-in delayed", "Last sign-in"],
    [[u.username, u.display_name, u.email, ", ".join(u.roles), ", ".join(u.teams), u.active,
      SIGN_IN_LABELS[methods[u.id].sign_in], methods[u.id].identity or "-", u.must_change_password,
      u.failed_logins, u.locked, u.last_seen_at] for u in users],
    column_config={"Last sign-in": st.column_config.DatetimeColumn("Last sign-in (UK time)", format="DD/MM/YYYY HH:mm")},
)

add_tab, change_tab, reset_tab, sign_in_tab = st.tabs(
    ["Add a user", "Change a user", "Reset a password", "Sign-in and provider identity"])

NEW_USER_EMPTY = {"admin_users_add_username": "", "admin_users_add_name": "", "admin_users_add_email": "",
                  "admin_users_add_roles": [], "admin_users_add_teams": []}
NEW_USER_CREATED = "admin_users_add_created"  # the last Create user worked: empty the form

with add_tab:
    if st.session_state.pop(NEW_USER_CREATED, False):
        # An empty form, and a new suggestion, for the next person. The values are SET before the widgets
        # are drawn: removing the keys is not enough, the browser sends the last values back on the rerun.
        st.session_state.update(NEW_USER_EMPTY)
        st.session_state["admin_users_add_password"] = suggest_password()
    st.session_state.setdefault("admin_users_add_password", suggest_password())
    # Outside the form, so that the form drops the password for someone who signs in through the provider.
    new_method = st.radio("How they sign in", ["provider", "local"], format_func=SIGN_IN_LABELS.get,
                          index=0 if config.provider_sign_in else 1, horizontal=True, key="admin_users_add_method",
                          help="Through the provider, their first sign-in links their account by the email below.")
    with st.form("admin_users_add_form"):
        username = st.text_input("Username", key="admin_users_add_username",
                                 help="Letters, digits, dots, hyphens and underscores, e.g. j.smith")
        display_name = st.text_input("Full name", key="admin_users_add_name")
        email = st.text_input("Email (required to sign in through the provider)", key="admin_users_add_email")
        roles = st.multiselect("Roles", ROLE_VALUES, format_func=role_label, key="admin_users_add_roles")
        managed = st.multiselect("Teams they manage (managers only)", list(team_names), format_func=team_names.get,
                                 key="admin_users_add_teams")
        password = "" if new_method == "provider" else st.text_input(
            "Temporary password", key="admin_users_add_password",
            help="Give it to the person by phone or in person; they must choose their own at first sign-in.",
        )
        if st.form_submit_button("Create user", type="primary"):
            try:
                with write_session() as s:
                    if new_method == "provider":
                        create_provider_account(s, scope=user.scope, username=username, display_name=display_name,
                                                email=email, roles=roles, managed_team_ids=managed)
                    else:
                        create_account(s, scope=user.scope, username=username, display_name=display_name,
                                       email=email, roles=roles, managed_team_ids=managed, temporary_password=password)
            except UserError as error:
                st.error(plain(str(error)))
            else:
                created = username.strip().lower()
                flash("admin_users", f"User '{created}' created. They sign in through {config.oidc_provider_label} with the email "
                      "address given; no password of this app's." if new_method == "provider" else
                      f"User '{created}' created. Their temporary password is {password}: they must change it "
                      "when they first sign in.")
                st.session_state[NEW_USER_CREATED] = True
                st.rerun()

with change_tab:
    chosen = st.selectbox("User", list(by_username), format_func=lambda n: f"{by_username[n].display_name} ({n})",
                          key="admin_users_change_user")
    target = by_username[chosen]
    with st.form(f"admin_users_change_form_{chosen}"):
        new_name = st.text_input("Full name", value=target.display_name, key=f"admin_users_change_name_{chosen}")
        new_email = st.text_input("Email", value=target.email, key=f"admin_users_change_email_{chosen}")
        new_roles = st.multiselect("Roles", ROLE_VALUES, default=[r for r in target.roles if r in ROLE_VALUES],
                                   format_func=role_label, key=f"admin_users_change_roles_{chosen}")
        new_teams = st.multiselect("Teams they manage (managers only)", list(team_names),
                                   default=[t for t in target.team_ids if t in team_names], format_func=team_names.get,
                                   key=f"admin_users_change_teams_{chosen}")
        if st.form_submit_button("Save changes", type="primary"):
            try:
                with write_session() as s:
                    changed = update_account(s, scope=user.scope, username=chosen, display_name=new_name,
                                             email=new_email, roles=new_roles, managed_team_ids=new_teams)
            except UserError as error:
                st.error(plain(str(error)))
            else:
                flash("admin_users", f"Saved {chosen}: changed {', '.join(changed)}." if changed else "Nothing to change.")
                st.rerun()
    if target.active:
        st.caption("A deactivated user is signed out at once and cannot sign in; their audits stay.")
        if st.button(f"Deactivate {plain(chosen)}", disabled=chosen == user.username,
                     help="You cannot deactivate yourself." if chosen == user.username else None):
            try:
                with write_session() as s:
                    set_user_active(s, scope=user.scope, username=chosen, active=False)
            except UserError as error:
                st.error(plain(str(error)))
            else:
                flash("admin_users", f"{chosen} is deactivated and signed out.")
                st.rerun()
    else:
        st.info(f"{plain(chosen)} is deactivated.")
        if st.button(f"Reactivate {plain(chosen)}"):
            with write_session() as s:
                set_user_active(s, scope=user.scope, username=chosen, active=True)
            flash("admin_users", f"{chosen} is active again.")
            st.rerun()

with reset_tab:
    st.caption("The user must choose a new password at their next sign-in. A reset also clears any wait after "
               "failed sign-ins.")
    others = [n for n in by_username if n != user.username and by_username[n].active]
    st.session_state.setdefault("admin_users_reset_password", suggest_password())
    with st.form("admin_users_reset_form"):
        whose = st.selectbox("User", others, key="admin_users_reset_user", format_func=lambda n: f"{by_username[n].display_name} ({n})")
        temporary = st.text_input("Temporary password", key="admin_users_reset_password")
        if st.form_submit_button("Reset password", type="primary"):
            try:
                with write_session() as s:
                    reset_password(s, scope=user.scope, username=whose, temporary_password=temporary)
            except UserError as error:
                st.error(plain(str(error)))
            else:
                flash("admin_users", f"Password of {whose} reset to {temporary}: they must change it at their next sign-in.")
                st.session_state.pop("admin_users_reset_password", None)
                st.rerun()
    st.caption("To change your own password, use My account.")

with sign_in_tab:
    draw_sign_in_admin(user, by_username, methods, config)
