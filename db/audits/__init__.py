"""Entering audits, one module per purpose (docs/development.md, "Where things live"):

- ``choices``: the form's choices (cases, teams, practitioners, themes, questions) and adding a case;
- ``access``: who may see an audit, change it, or (a blind moderator) not yet see its grades;
- ``saving``: loading an audit for the form; saving a draft, submitting, amending, and the
  optimistic-lock conflict;
- ``my_audits``: the list on My audits;
- ``detail``: one audit, read-only, and logging that it was viewed;
- ``safeguarding``: concerns nobody has acknowledged yet, and acknowledging one.

Every write takes the caller's ``Session``: the ui layer opens one ``write_session`` per user
action, and each write records what changed in the event log in the same transaction.
"""
