"""The one way user-supplied text reaches a page (issue 14).

Streamlit renders Markdown in ``st.markdown``, ``st.caption``, ``st.success`` and the
other alerts, headers, expander and tab labels, widget labels (buttons, checkboxes,
radio options), metric labels and the cells of ``st.table``. Raw HTML is escaped, but
Markdown is not: an image typed into one record would be fetched by every browser that
shows it. So every name, reference, title and free text that a user (or an imported
file) supplied goes through ``plain`` before it is put into any of these; only the
app's own formatting (``**``, badges) is written around it.

``st.dataframe``, ``st.text``, ``st.code`` and selectbox/multiselect options do not
render Markdown: values go there as they are. ``plain_rows`` prepares rows for
``st.table``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.text import markdown_literal, neutralise_bidi

__all__ = ["neutralise_bidi", "plain", "plain_rows"]


def plain(text: Any) -> str:
    """``text`` as a literal for any Markdown-rendering Streamlit call (None: empty)."""
    return markdown_literal(text)


def plain_rows(rows: Iterable[Mapping[str, Any]], columns: Iterable[str]) -> list[dict[str, Any]]:
    """Rows for ``st.table`` with the text of ``columns`` made literal (other cells unchanged)."""
    text_columns = set(columns)
    return [{k: (plain(v) if k in text_columns and isinstance(v, str) else v) for k, v in row.items()} for row in rows]
