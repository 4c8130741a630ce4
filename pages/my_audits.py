"""My audits: the signed-in user's drafts (to resume) and submitted audits (to open or amend), with filters."""
from ui.guard import require

user = require("my_audits")

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from math import ceil  # noqa: E402

from core.grades import grade_text  # noqa: E402
from db.audits.my_audits import MyAuditFilters  # noqa: E402
from ui.audit_form.reads import theme_options  # noqa: E402
from ui.audit_form.safeguarding import concerns_banner  # noqa: E402
from ui.audit_form.view import audit_link  # noqa: E402
from ui.my_audits import my_audit_counts, my_audit_rows  # noqa: E402
from ui.text import plain  # noqa: E402

PAGE_SIZE = 50  # rows a person reads on one screen; the rest are a page away
DRAFTS_SHOWN = 10  # drafts drawn as cards to resume, most recently saved first; filters find the rest

st.title("My audits", anchor=False)
concerns_banner(user, "my_audits")

themes = {t.id: t.name for t in theme_options()}
status_filter, theme_filter, from_filter, to_filter, reference_filter = st.columns([2, 2, 2, 2, 3])
status = status_filter.selectbox("Status", ["all", "draft", "submitted"], key="my_audits_filter_status",
                                 format_func={"all": "All", "draft": "Drafts", "submitted": "Submitted"}.get)
theme_id = theme_filter.selectbox("Theme", [None, *themes], key="my_audits_filter_theme",
                                  format_func=lambda t: "All themes" if t is None else themes[t])
date_from = from_filter.date_input("Audited from", value=None, key="my_audits_filter_from", format="DD/MM/YYYY")
date_to = to_filter.date_input("Audited to", value=None, key="my_audits_filter_to", format="DD/MM/YYYY")
reference = reference_filter.text_input("Case reference contains", key="my_audits_filter_reference")

filters = MyAuditFilters(status=None if status == "all" else status, theme_id=theme_id, date_from=date_from,
                         date_to=date_to, reference=reference)
counts = my_audit_counts(user.scope, filters)
drafts = my_audit_rows(user.scope, filters, "draft", DRAFTS_SHOWN) if status in ("all", "draft") else []
pages = max(1, ceil(counts["submitted"] / PAGE_SIZE))


if status in ("all", "draft"):
    st.subheader(f"Drafts ({counts['draft']})", anchor=False)
    if counts["draft"] > len(drafts):
        st.caption(f"The {len(drafts)} most recently saved are shown; narrow the filters to find the others.")
    if not drafts:
        st.caption("No drafts match. A draft saved from Enter an audit waits here until you submit it.")
    for row in drafts:
        with st.container(border=True, key=f"my_audits_draft_{row.audit_id}"):
            what, when, link = st.columns([5, 3, 2], vertical_alignment="center")
            what.markdown(f"**{plain(row.case_reference)}** · {plain(row.theme)} · {plain(row.team)}")
            when.caption(f"Audit date {row.audit_date:%d %b %Y}" if row.audit_date else "No audit date yet")
            audit_link(row.audit_id, "Resume", page="pages/audit_entry.py", icon=":material/edit:",
                            container=link)

if status in ("all", "submitted"):
    st.subheader(f"Submitted ({counts['submitted']})", anchor=False)
    if not counts["submitted"]:
        st.caption("No submitted audits match these filters.")
    else:
        page = 1
        if pages > 1:
            page = st.columns([1, 4])[0].number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1,
                                                      step=1, key="my_audits_submitted_page")
        submitted = my_audit_rows(user.scope, filters, "submitted", PAGE_SIZE, (page - 1) * PAGE_SIZE)
        first = (page - 1) * PAGE_SIZE + 1
        st.caption(f"Audits {first} to {first + len(submitted) - 1} of {counts['submitted']}, most recently saved first.")
        st.dataframe(
            pd.DataFrame([{
                "Case": r.case_reference, "Theme": r.theme, "Kind": r.kind.title(), "Team": r.team,
                "Audit date": r.audit_date, "Overall": grade_text(r.overall_grade, missing="-"),
                "Moderated": grade_text(r.moderated_overall_grade, missing="-") if r.moderated else "",
                "Safeguarding": "Yes" if r.safeguarding_concern else "",
            } for r in submitted]),
            hide_index=True, width="stretch",
            column_config={"Audit date": st.column_config.DateColumn(format="DD/MM/YYYY")},
        )
        by_id = {r.audit_id: r for r in submitted}
        chosen = st.selectbox(
            "Open one of these audits", list(by_id), index=None, key="my_audits_submitted_open",
            format_func=lambda a: f"{by_id[a].case_reference} · {by_id[a].theme} · "
                                  f"{by_id[a].audit_date:%d %b %Y}" if by_id[a].audit_date else by_id[a].case_reference,
            placeholder="Type a case reference",
        )
        if chosen is not None:
            view, amend = st.columns(2)
            audit_link(chosen, "View it", icon=":material/description:", container=view)
            if by_id[chosen].moderated:
                amend.caption("Moderated: it can no longer be amended.")
            else:
                audit_link(chosen, "Amend it", page="pages/audit_entry.py", icon=":material/edit:",
                                container=amend)
