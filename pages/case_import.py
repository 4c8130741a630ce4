"""Case import: load the case list exported from the case-management system (admin, support).

Nothing is written until the user has seen every row's problems and confirms; then
every valid row is written in one transaction, all or nothing.
"""
from ui.guard import require

user = require("case_import")

import streamlit as st  # noqa: E402

from core.case_file import COLUMN_LABELS, CP1252, read_case_file, template_rows  # noqa: E402
from core.case_import import CREATE, SKIP, UNCHANGED, UPDATE, preview_rows, problem_rows  # noqa: E402
from core.exports import to_csv  # noqa: E402
from core.periods import counted  # noqa: E402
from db.case_import import apply_case_import, preview_case_import  # noqa: E402
from db.engine import write_session  # noqa: E402
from db.users import UserError  # noqa: E402
from ui.admin import table  # noqa: E402
from ui.widgets import session, today  # noqa: E402
from ui.text import plain  # noqa: E402

ROUND, SHOWN, RESULT, CONFIRM = "case_import_round", "case_import_shown", "case_import_result", "case_import_confirm"

st.title("Case import", anchor=False)
st.caption(
    "Upload the case list exported from your case-management system (LCS, Mosaic, Liquidlogic...) as CSV or "
    "Excel (.xlsx), with the columns case reference, team, allocated practitioner and, optionally, service area. "
    "You see what would happen to every row before anything is saved."
)

# The confirmation is handled before anything else, against the preview the user was shown.
if st.session_state.get(CONFIRM) and SHOWN in st.session_state:
    shown_table, shown_preview = st.session_state.pop(SHOWN)
    try:
        with write_session() as s:
            result = apply_case_import(s, scope=user.scope, table=shown_table, confirmed=shown_preview, today=today())
    except UserError as error:
        st.error(plain(str(error)))
    else:
        st.session_state[RESULT] = (shown_table.filename, result)
        st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1  # a fresh, empty uploader

if RESULT in st.session_state:
    filename, result = st.session_state[RESULT]
    message = (f"Imported {filename}: {counted(result.created, 'case')} created, {result.updated} updated, "
               f"{result.unchanged} unchanged, {counted(result.skipped, 'row')} skipped.")
    if result.practitioners_created:
        message += f" New practitioners: {', '.join(result.practitioners_created)}."
    st.success(plain(message), icon=":material/check_circle:")

columns, example = template_rows()
st.download_button("Download an example file", to_csv(columns, example), file_name="case-list-example.csv",
                   mime="text/csv", on_click="ignore", icon=":material/download:")

round_ = st.session_state.get(ROUND, 0)
uploaded = st.file_uploader("Case list (CSV or Excel)", type=["csv", "xlsx"], key=f"case_import_file_{round_}")
if uploaded is None:
    st.session_state.pop(SHOWN, None)
    st.stop()
st.session_state.pop(RESULT, None)

data = uploaded.getvalue()
raw = read_case_file(uploaded.name, data)
encoding = None
if raw.has_bad_encoding:
    if st.checkbox("Read this file as Windows-1252 (Excel's plain 'CSV' format)", key=f"case_import_file_cp1252_{round_}",
                   help="Only if the file was saved by Excel as 'CSV (Comma delimited)'. Check the names below."):
        encoding = CP1252
raw = read_case_file(uploaded.name, data, encoding=encoding) if encoding else raw

for problem in raw.problems:
    st.error(plain(problem), icon=":material/error:")
for notice in raw.notices:
    (st.warning if notice.startswith(("Bad encoding", "Not imported", "Read as")) else st.info)(plain(notice))
if not raw.readable:
    st.session_state.pop(SHOWN, None)
    st.stop()

with session() as s:
    preview = preview_case_import(s, user.scope, raw)

st.subheader("What the import would do", anchor=False)
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("New cases", preview.count(CREATE))
c2.metric("Cases updated", preview.count(UPDATE))
c3.metric("Unchanged", preview.count(UNCHANGED))
c4.metric("Rows skipped", preview.count(SKIP), help="Rows with a problem are not imported; fix them and upload again.")
c5.metric("New practitioners", len(preview.new_practitioners))
found = ", ".join(f"{COLUMN_LABELS[name]} = '{header}'" for name, header in preview.columns.items())
st.caption(plain(f"{uploaded.name} · {raw.encoding or 'Excel workbook'} · header on row {raw.header_row} · "
                 f"columns: {found}"))

problem_columns, problems = problem_rows(preview)
if problems:
    st.subheader(f"Problems ({len(problems)})", anchor=False)
    table(problem_columns, problems)
    st.download_button("Download the problems (CSV)", to_csv(problem_columns, problems),
                       file_name="case-import-problems.csv", mime="text/csv", on_click="ignore")
else:
    st.success("No problems found.")

st.subheader("Every row", anchor=False)
row_columns, rows = preview_rows(preview)
table(row_columns, rows)

to_write = len(preview.to_write)
st.session_state[SHOWN] = (raw, preview)
if to_write:
    st.button(f"Import {counted(to_write, 'case')}", type="primary", key=CONFIRM,
              help="Creates and updates these cases in one step; rows with problems are skipped.")
    st.caption("Nothing has been saved yet.")
else:
    st.info("Nothing to import: no row would create or update a case.")
