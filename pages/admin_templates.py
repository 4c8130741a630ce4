"""Audit templates: each theme's versions, a preview of any version, and loading a new one (admin)."""
from ui.guard import require

user = require("admin_templates")

import streamlit as st  # noqa: E402

from core.templates import MAX_QUESTIONS, MIN_QUESTIONS, TemplateError  # noqa: E402
from db.templates import check_template_upload, load_template_upload, template_questions  # noqa: E402
from db.engine import write_session  # noqa: E402
from ui.admin import cached_template_versions, show_questions, table  # noqa: E402
from ui.flash import flash, show_flash  # noqa: E402
from ui.text import plain  # noqa: E402
from ui.widgets import session  # noqa: E402

st.title("Audit templates", anchor=False)
st.caption(
    "Each theme's questions, by version. Audits keep the version they were entered with; a changed question set is "
    "loaded as a new, higher version."
)
show_flash("admin_templates")

versions = cached_template_versions(user.scope)

table(["Theme", "Code", "Version", "Newest", "Questions", "Audits using it", "Loaded (UK time)", "Loaded by",
       "Description"],
      [[v.theme, v.theme_code, v.version, v.latest, v.questions, v.audits, v.loaded_at, v.loaded_by, v.description]
       for v in versions],
      column_config={"Loaded (UK time)": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm")})

st.subheader("Preview a version", anchor=False)
by_id = {v.id: v for v in versions}
if by_id:
    chosen = st.selectbox("Template", list(by_id), key="admin_templates_preview_version",
                          format_func=lambda i: f"{by_id[i].theme} - version {by_id[i].version}")
    with session() as s:
        questions = template_questions(s, user.scope, chosen)
    show_questions(questions)

st.subheader("Load a new version", anchor=False)
st.caption(
    f"A TOML file with `theme` (a code such as neglect), `name`, `version`, an optional `description` and "
    f"{MIN_QUESTIONS} to {MAX_QUESTIONS} `[[questions]]`, each with `key`, `domain`, `text`, `guidance` and "
    "optionally `limiting` and `allow_na` (true or false). Start from a bundled file in audit_templates/."
)
round_ = st.session_state.get("admin_templates_load_round", 0)
uploaded = st.file_uploader("Template file (.toml)", type=["toml"], key=f"admin_templates_load_file_{round_}")
if uploaded is not None:
    data = uploaded.getvalue()
    with session() as s:
        check = check_template_upload(s, user.scope, data)
    if check.problems:
        st.error("This file cannot be loaded:\n\n" + "\n".join(f"- {plain(p)}" for p in check.problems),
                 icon=":material/error:")
    if check.spec is not None:
        spec = check.spec
        status = "a new theme" if check.current_version is None else f"now at version {check.current_version}"
        st.markdown(f"**{plain(spec.name)}** ({plain(spec.theme)}), version {spec.version} · {status} · "
                    f"{len(spec.questions)} questions in {len(spec.domains)} domains.")
        with st.container(border=True):
            show_questions(spec.questions)
        if not check.problems and st.button(f"Load {plain(spec.name)} version {spec.version}", type="primary"):
            try:
                with write_session() as s:
                    load_template_upload(s, scope=user.scope, data=data)
            except TemplateError as error:
                st.error(plain(str(error)))
            else:
                st.session_state["admin_templates_load_round"] = round_ + 1
                flash("admin_templates", f"{spec.name} version {spec.version} loaded: new audits of this theme use it.")
                st.rerun()
