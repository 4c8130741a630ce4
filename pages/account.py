"""My account: change your own password (required after an administrator's reset)."""
from ui.guard import require

user = require("account")

import streamlit as st  # noqa: E402

from db.engine import write_session  # noqa: E402
from db.users import UserError, change_own_password  # noqa: E402
from ui.auth import keep_signed_in_after_password_change  # noqa: E402
from ui.text import plain  # noqa: E402

st.title("My account", anchor=False)
st.markdown(f"Signed in as **{plain(user.display_name)}** ({plain(user.username)}).")
st.caption("Roles: " + ", ".join(sorted(r.value for r in user.roles)))

with st.form("account_password_form", clear_on_submit=False):
    st.subheader("Change your password", anchor=False)
    current = st.text_input("Current password", type="password")
    new = st.text_input("New password", type="password", help="At least 12 characters, not containing your username.")
    again = st.text_input("New password again", type="password")
    if st.form_submit_button("Change password", type="primary"):
        try:
            with write_session() as s:
                change_own_password(s, user.username, current, new, again)
        except UserError as error:
            st.error(plain(str(error)))
        else:
            keep_signed_in_after_password_change()
            st.success("Password changed. You stay signed in here; your other sessions have been signed out.")
