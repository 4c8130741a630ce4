"""One audit, read-only (``?audit=<id>``): case, grades with rationale, lived experience,
safeguarding, remedial actions and whether it was moderated."""
from ui.guard import require

user = require("audit_view")

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.actions import urgency  # noqa: E402
from core.grades import Grade  # noqa: E402
from db.audits.detail import audit_detail  # noqa: E402
from ui.audit_form.safeguarding import acknowledge_control, flash_acknowledgement  # noqa: E402
from ui.audit_form.view import audit_link, log_view_once, requested_audit_id, show_text  # noqa: E402
from ui.widgets import rag_badge, session, today  # noqa: E402
from ui.text import plain  # noqa: E402

st.title("Audit", anchor=False)
flash_acknowledgement("audit_view")
audit_id = requested_audit_id()
if audit_id is None:
    st.info("Open an audit from My audits, the heatmaps, the action tracker or a safeguarding concern.")
    st.stop()
with session() as s:
    audit = audit_detail(s, user.scope, audit_id)
if audit is None:
    st.error("This audit does not exist, or you cannot see it (a moderator sees it after submitting blind grades).")
    st.stop()
log_view_once(user.scope, audit.audit_id)

st.subheader(f"{plain(audit.case_reference)} · {plain(audit.theme)}", anchor=False)
st.caption(
    f"{audit.kind.title()} audit by {plain(audit.author)} · template version {audit.template_version} · "
    + (f"submitted {audit.submitted_at:%d %b %Y}" if audit.status == "submitted" and audit.submitted_at else
       "draft (not submitted)")
)
if audit.author_id == user.id:
    if audit.status == "draft":
        audit_link(audit.audit_id, "Continue this draft", page="pages/audit_entry.py", icon=":material/edit:")
    elif audit.moderated_overall_grade is None and audit.moderation_status not in ("graded", "completed"):
        audit_link(audit.audit_id, "Amend this audit", page="pages/audit_entry.py", icon=":material/edit:")

if audit.moderated_overall_grade is not None:
    st.info(f"Moderated: the agreed overall grade is {Grade(audit.moderated_overall_grade).label} (first graded "
            f"{Grade(audit.overall_grade).label if audit.overall_grade is not None else '-'}). Reporting uses the "
            "moderated grade.", icon=":material/balance:")
elif audit.moderation_status:
    st.info(f"In moderation ({audit.moderation_status}).", icon=":material/balance:")

details = st.columns(4)
details[0].markdown(f"**Team**  \n{plain(audit.team)}")
details[1].markdown(f"**Allocated practitioner**  \n{plain(audit.practitioner or '-')}")
details[2].markdown(f"**Work audited**  \n{audit.work_date:%d %b %Y}" if audit.work_date else "**Work audited**  \n-")
details[3].markdown(f"**Audit date**  \n{audit.audit_date:%d %b %Y}" if audit.audit_date else "**Audit date**  \n-")

if audit.safeguarding_concern:
    with st.container(border=True):
        if audit.safeguarding_acknowledged_at:
            st.warning(f"Immediate safeguarding concern · acknowledged by "
                       f"{plain(audit.safeguarding_acknowledged_by)} on "
                       f"{audit.safeguarding_acknowledged_at:%d %b %Y}", icon=":material/warning:")
        else:
            st.error("Immediate safeguarding concern · not yet acknowledged", icon=":material/warning:")
            acknowledge_control(user, "audit_view", audit.audit_id, audit.team_id, audit.author_id)
        show_text("What was done", audit.safeguarding_action)
        show_text("Who was told", audit.safeguarding_told)

st.header("Overall judgement", anchor=False)
st.markdown(f"**Overall grade** {rag_badge(audit.overall_grade)}"
            + (f" · moderated {rag_badge(audit.moderated_overall_grade)}" if audit.moderated_overall_grade is not None
               else ""))
show_text("Rationale", audit.overall_rationale)
show_text("What difference has the work made for the child?", audit.impact_for_child)
if audit.limiting_override_reason:
    show_text("Reason for overriding the limiting judgement", audit.limiting_override_reason)

st.header("The child's lived experience", anchor=False)
show_text("What life is like for this child", audit.lived_experience)

st.header("Remedial actions", anchor=False)
if audit.actions:
    st.table(pd.DataFrame([{
        # st.table draws its cells as Markdown: every text cell goes through the text seam.
        "Action": plain(a.description), "Owner": plain(a.owner or "-"), "Raised": a.raised_on, "Due": a.due_on,
        "Status": urgency(a.status, a.due_on, today()),
        "Completion note": plain(a.completion_note),
    } for a in audit.actions]).set_index("Action"))
else:
    st.caption("No remedial action raised.")
    if audit.no_action_reason:
        show_text("Reason for raising no action", audit.no_action_reason)

st.header("Questions", anchor=False)
by_domain: dict[str, list] = {}
for answer in audit.answers:  # grouped by domain as on the entry form
    by_domain.setdefault(answer.domain, []).append(answer)
for domain, answers in by_domain.items():
    st.subheader(plain(domain), anchor=False)
    for answer in answers:
        moderated = (f" · moderated {rag_badge(answer.moderated_grade)}"
                     if answer.moderated_grade is not None and answer.moderated_grade != answer.grade else "")
        st.markdown(f"**{answer.position}. {plain(answer.text)}** {rag_badge(answer.grade)}{moderated}")
        st.text(answer.rationale or "-")

if audit.learning_points:
    st.header("Learning points", anchor=False)
    st.text(audit.learning_points)
