"""Every heading the app draws (st.title, st.header, st.subheader) is drawn without Streamlit's
"Link to heading" anchor: with it, every heading is a tab stop of its own, about one for every
question domain of a form, and a keyboard user tabs through links that go nowhere
(docs/accessibility.md, the keyboard walk). Read from the source, so a new heading cannot forget it."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADINGS = {"title", "header", "subheader"}


def _headings_with_an_anchor(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in HEADINGS
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "st"):
            anchor = next((k.value for k in node.keywords if k.arg == "anchor"), None)
            if not (isinstance(anchor, ast.Constant) and anchor.value is False):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_no_heading_is_a_tab_stop_of_its_own():
    files = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py")])
    assert len(files) > 40  # the scan reads the app, not an empty folder
    assert [where for path in files for where in _headings_with_an_anchor(path)] == []


def test_the_scan_finds_a_heading_with_its_anchor(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('import streamlit as st\nst.subheader("Risk")\nst.header("Plan", anchor=False)\n'
                    'st.title("Case", anchor="case")\n')
    assert _headings_with_an_anchor(page, root=tmp_path) == ["page.py:2", "page.py:4"]
