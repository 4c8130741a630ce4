"""Streamlit glue for the remedial-action tracker, shared by its tabs: messages, downloads, cached reads.

The tabs are drawn by ``ui.actions_list`` (the list and one action), ``ui.actions_bulk`` (the bulk
editor) and ``ui.actions_reports`` (chase list, counts, charts). Rules live in ``core.actions`` and
SQL in ``db.queries.actions`` (reads) and ``db.actions`` (commands); these modules only draw and
collect input. Text typed by users is always shown as text (escaped).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st

from core.action_views import ActionCharts, ActionCounts, ActionView, actions_csv, actions_xlsx, chase_csv, chase_xlsx
from core.actions import OUTSTANDING, ActionStatus, is_due_soon, is_overdue, urgency
from core.authz import Scope
from db.engine import read_session
from db.queries import actions as action_queries
from db.queries.actions import ActionFilters, ActionPage, FilterOptions
from ui.cache import cached_query
from ui.guard import export_button
from ui.text import plain


OVERDUE_STYLE = "background-color: #fde2e1; color: #7a1212"  # the counts' overdue figures

# The list's and the chase list's Due and Status cells are coloured tags: the words carry the meaning, the
# colour helps the eye. Each is drawn with the theme's dark text (tests/unit/test_contrast.py).
OVERDUE_TAG = "#fde2e1"
DUE_SOON_TAG = "#fff4d6"
VERIFIED_TAG = "#dff0e2"
PLAIN_TAG = "#eeeeee"


def due_tag(status: str, due_on: date, today: date) -> str:
    """An action's Due tag on the list, decided by the rules (``core.actions``), not read back from its
    words: overdue red; due today or within three working days amber; any other plain."""
    if is_overdue(status, due_on, today):
        return OVERDUE_TAG
    return DUE_SOON_TAG if is_due_soon(status, due_on, today) else PLAIN_TAG


def chase_tag(status: str, due_on: date, today: date) -> str:
    """An action's Due tag on the chase list (overdue and due by the end of the week only): overdue red,
    the rest amber."""
    return OVERDUE_TAG if is_overdue(status, due_on, today) else DUE_SOON_TAG


def due_tags(views: list[ActionView], today: date, tag: Callable[[str, date, date], str]) -> Callable[[str], str]:
    """The colour of each Due text the outstanding ``views`` show (``tag`` of the action showing it), for
    ``ui.widgets.tag_column``: the same words always mean the same working days, so the same colour."""
    colours = {urgency(v.status, v.due_on, today): tag(v.status, v.due_on, today) for v in views
               if ActionStatus(v.status) in OUTSTANDING}
    return colours.__getitem__


FIELD_LABELS = {
    "row": "Row", "status": "Status", "note": "What was done", "completed_on": "Done on", "due_on": "Due on",
    "due_reason": "Reason for new due date", "reopen_reason": "Reason for reopening",
}


# ------------------------------------------------------------------ small helpers
def show_problems(problems: dict[str, list[str]]) -> None:
    for field_name, messages in problems.items():
        for message in messages:
            label = FIELD_LABELS.get(field_name, field_name)
            st.error(plain(f"{label}: {message}" if field_name != "row" else message))


def download(label: str, data: Callable[[], bytes], file_name: str, mime: str, username: str, rows: int,
             key: str) -> None:
    """A tracker download, built when clicked and logged then (``ui.guard.export_button``)."""
    export_button(label, data, file_name=file_name, mime=mime, username=username, object_type="remedial_action",
                  after={"rows": rows}, key=key)


# ------------------------------------------------------------------ cached reads
PAGE_SIZE = 50  # rows a person reads on one screen; the rest are counted, never loaded


@cached_query(reads_drafts=False)
def load_options(scope: Scope) -> FilterOptions:
    with read_session() as session:
        return action_queries.filter_options(session, scope)


@cached_query(reads_drafts=False)
def load_headline(scope: Scope, today: date) -> ActionCounts:
    with read_session() as session:
        return action_queries.headline(session, scope, today)


@cached_query(reads_drafts=False)
def load_page(scope: Scope, filters: ActionFilters, today: date, offset: int) -> ActionPage:
    # Unfiltered, the list counts what the headline counts (a cached read the page has made already):
    # one pass over every action fewer (260 ms at 1,000,000 audits on PostgreSQL).
    counts = None
    if filters == ActionFilters():
        every = load_headline(scope, today)
        counts = (every.total, every.overdue)
    with read_session() as session:
        return action_queries.page_of_actions(session, scope, filters, today, offset=offset, limit=PAGE_SIZE,
                                              counts=counts)


@cached_query(reads_drafts=False)
def load_counts(scope: Scope, today: date) -> tuple[list[ActionCounts], list[ActionCounts]]:
    with read_session() as session:
        return action_queries.counts_by_team(session, scope, today), action_queries.counts_by_practitioner(session, scope, today)


@cached_query(reads_drafts=False)
def load_chase(scope: Scope, today: date, include_due_this_week: bool, team_ids: tuple[int, ...] = ()
               ) -> list[ActionView]:
    with read_session() as session:
        return action_queries.chase_list(session, scope, today, include_due_this_week=include_due_this_week,
                                     team_ids=team_ids)


@cached_query(reads_drafts=False)
def load_chase_teams(scope: Scope, today: date) -> list:
    with read_session() as session:
        return action_queries.chase_teams(session, scope, today)


@cached_query(reads_drafts=False)
def load_charts(scope: Scope, today: date, filters: ActionFilters) -> ActionCharts:
    with read_session() as session:
        return action_queries.charts(session, scope, today, filters)


# Files are built when the user clicks (st.download_button runs these then), never on a rerun.
def list_csv_file(scope: Scope, filters: ActionFilters, today: date) -> bytes:
    with read_session() as session:  # open while the file is written: the actions stream in
        return actions_csv(action_queries.iter_actions(session, scope, filters, today))


def list_xlsx_file(scope: Scope, filters: ActionFilters, today: date) -> bytes:
    with read_session() as session:  # open while the file is written: the actions stream in
        team_counts = action_queries.counts_by_team(session, scope, today)
        return actions_xlsx(action_queries.iter_actions(session, scope, filters, today), team_counts)


def chase_csv_file(scope: Scope, today: date, include_due_this_week: bool) -> bytes:
    return chase_csv(load_chase.uncached(scope, today, include_due_this_week), today)


def chase_xlsx_file(scope: Scope, today: date, include_due_this_week: bool) -> bytes:
    return chase_xlsx(load_chase.uncached(scope, today, include_due_this_week), today)


def load_one(scope: Scope, action_id: int, today: date) -> ActionView | None:
    with read_session() as session:
        return action_queries.get_action(session, scope, action_id, today)


def load_history(scope: Scope, action_id: int) -> list:
    with read_session() as session:
        return action_queries.history(session, scope, action_id)


# ------------------------------------------------------------------ paging (the list, the bulk editor, the chase list)
OFFSET = "actions_offset"


def page_offset(filters, state: str = OFFSET) -> int:
    """The first row of the page being read (kept in ``state``); back to the first page whenever the
    filters (any comparable value) change."""
    if st.session_state.get(f"{state}_filters") != filters:
        st.session_state[f"{state}_filters"] = filters
        st.session_state[state] = 0
    return st.session_state.get(state, 0)


def _move(offset: int, state: str) -> None:
    st.session_state[state] = max(0, offset)


def pager(page: ActionPage, key: str = "actions_pager", state: str = OFFSET) -> None:
    """Where this page sits in the list, what is not shown, and the way to the other pages (``key``: the
    buttons' key prefix; the list and the bulk editor, both drawn on every run, each have a pager;
    ``state``: where the offset is kept, as for ``page_offset``)."""
    if page.pages <= 1:
        return
    pages, current = page.pages, page.number
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("Previous", key=f"{key}_previous", icon=":material/chevron_left:", disabled=current == 1,
                  on_click=_move, args=(page.start_of(current - 1), state))
        st.markdown(f"Page {current:,} of {pages:,}")
        st.button("Next", key=f"{key}_next", icon=":material/chevron_right:", disabled=current == pages,
                  on_click=_move, args=(page.start_of(current + 1), state))
