"""Event log: search the append-only trail by user, object and date, and export it (admin; read-only)."""
from ui.guard import require

user = require("event_log")

from datetime import timedelta  # noqa: E402

import streamlit as st  # noqa: E402

from db.event_log import (  # noqa: E402
    EVENT_COLUMNS,
    EventFilter,
    event_filter_options,
    export_events,
    record_event_export,
    search_events,
)
from core.event_diff import describe_changes  # noqa: E402
from core.exports import XLSX_MIME  # noqa: E402
from core.periods import agreeing, counted  # noqa: E402
from db.engine import write_session  # noqa: E402
from ui.admin import table  # noqa: E402
from ui.widgets import session, today  # noqa: E402

SHOW_AT_MOST = 500
EXPORT = "event_log_export"

st.title("Event log", anchor=False)
st.caption(
    "Who did what, to which object, and when (UK time). The log is append-only: nobody can change or delete an "
    "entry, here or in the database itself."
)

with session() as s:
    usernames, object_types = event_filter_options(s, user.scope)

c1, c2, c3 = st.columns(3)
who = c1.selectbox("User", [None, *usernames], format_func=lambda u: "Anyone" if u is None else u, key="event_log_filter_user")
what = c2.selectbox("Object", [None, *object_types], format_func=lambda o: "Any object" if o is None else o,
                    key="event_log_filter_object")
object_id = c3.text_input("Object id or username", key="event_log_filter_object_id",
                          help="An object's number (an audit, a team...) or a username for what was done to that user")
c4, c5, c6 = st.columns(3)
action = c4.text_input("Action contains", key="event_log_filter_action", help="e.g. 'password', 'import', 'refused'")
date_from = c5.date_input("From", value=today() - timedelta(days=30), format="DD/MM/YYYY", key="event_log_filter_from")
date_to = c6.date_input("To", value=None, format="DD/MM/YYYY", key="event_log_filter_to", help="Leave empty for up to now")
filters = EventFilter(username=who, object_type=what, object_id=object_id or None, action=action or None,
                      date_from=date_from or None, date_to=date_to or None)

with session() as s:
    rows, total = search_events(s, user.scope, filters, limit=SHOW_AT_MOST)

if total > len(rows):
    st.caption(f"{total} events match; the newest {len(rows)} are shown. Export them all, or narrow the search.")
else:
    st.caption(f"{counted(total, 'event')} {agreeing(total, 'matches', 'match')}.")
# The changed fields, old -> new, instead of two JSON objects (the export keeps the JSON in full).
table([*EVENT_COLUMNS[:-2], "Changes (before -> after)"],
      [[r.id, r.at, r.username, r.action, r.object_type, r.object_id, describe_changes(r.before, r.after)]
       for r in rows],
      column_config={"When (UK time)": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm:ss"),
                     "Changes (before -> after)": st.column_config.TextColumn(width="large")})

st.subheader("Export", anchor=False)
st.caption("Exports hold every matching event and are themselves recorded in the log.")
left, right = st.columns(2)
for column, fmt, label in ((left, "csv", "Prepare CSV"), (right, "xlsx", "Prepare Excel")):
    if column.button(label, key=f"event_log_export_prepare_{fmt}", disabled=total == 0):
        with session() as s:
            data = export_events(s, user.scope, filters, fmt)
        with write_session() as s:
            record_event_export(s, user.scope, filters, fmt)
        st.session_state[EXPORT] = (fmt, data, filters)
prepared = st.session_state.get(EXPORT)
if prepared and prepared[2] == filters:
    fmt, data, _ = prepared
    mime = "text/csv" if fmt == "csv" else XLSX_MIME
    st.download_button(f"Download the event log ({fmt.upper()})", data, file_name=f"event-log-{today():%Y-%m-%d}.{fmt}",
                       mime=mime, on_click="ignore", type="primary", icon=":material/download:")
