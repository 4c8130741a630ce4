"""My account: change your own password (required after an administrator's reset)."""
from ui.guard import require

user = require("account")

import streamlit as st  # noqa: E402

from db.engine import write_session  # noqa: E402
from db.users import UserError, get_user, set_password  # noqa: E402
from core.passwords import verify_password  # noqa: E402
from ui.text import plain  # noqa: E402

st.title("My account")
st.markdown(f"Signed in as **{plain(user.display_name)}** ({plain(user.username)}).")
st.caption("Roles: " + ", ".join(sorted(r.value for r in user.roles)))

with st.form("change_password", clear_on_submit=False):
    st.subheader("Change your password")
    current = st.text_input("Current password", type="password")
    new = st.text_input("New password", type="password", help="At least 12 characters, not containing your username.")
    again = st.text_input("New password again", type="password")
    if st.form_submit_button("Change password", type="primary"):
        if new != again:
            st.error("The two new passwords differ.")
        else:
            try:
                with write_session() as s:
                    account = get_user(s, user.username)
                    if account is None or not verify_password(current, account.password_hash):
                        raise UserError("Your current password is not right.")
                    if current == new:
                        raise UserError("Choose a password different from the current one.")
                    set_password(s, actor=user.username, username=user.username, password=new, temporary=False)
            except UserError as error:
                st.error(plain(str(error)))
            else:
                st.success("Password changed. Other sessions have been signed out; sign in again with the new password.")
