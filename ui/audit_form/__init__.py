"""Streamlit pieces of audit entry, one module per purpose (docs/development.md, "Where things live"):

- ``state``: the form's state (``FormState``), opening a form, starting a new one, field messages;
- ``reads``: the cached reads the form draws from, and the per-session memo of them;
- ``sections``: the form's sections (case, theme and dates, questions, lived experience, overall
  judgement, learning) and ``form_part``, the fragment each part reruns in;
- ``grades``: the one-click grade buttons with their RAG badge (shared with moderation);
- ``actions``: the remedial-action rows of the form;
- ``safeguarding``: the form's safeguarding section, the unacknowledged-concerns banner and its
  Acknowledge button;
- ``saving``: ``save_form``, the one way the form writes (one transaction per save);
- ``autosave``: saving the draft as the auditor works;
- ``buttons``: the save buttons, the list of problems and the conflict view (keep mine / take theirs);
- ``confirmation``: after Submit, and the drafts to resume on an empty form;
- ``view``: links to one audit and the read-only view's text and view logging.

Nothing typed is ever lost: every widget's value is copied, on every run, into a
plain ``st.session_state`` store per audit (``"new"`` or the audit id), and a
widget missing from the session (a hidden field, a page switch) starts again
from that store. A failed rule, a refused save or a save conflict leave the
store untouched. Grades are live widgets (not an ``st.form``) so that each RAG
badge changes as soon as a grade is chosen.
"""
