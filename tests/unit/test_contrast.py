"""Colour contrast (WCAG 2.2 AA): RAG colours, the text drawn on them and in them, and the theme.

The contrast ratio is computed here from WCAG 2's definition, not from the app's code:
relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels
(c / 12.92 when c <= 0.04045, else ((c + 0.055) / 1.055) ** 2.4), and the ratio of the lighter
to the darker colour is (L1 + 0.05) / (L2 + 0.05). Thresholds: 4.5:1 for text (1.4.3),
3:1 for graphics such as bars and cells (1.4.11).
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from core.grades import NO_RAG_COLOUR, NO_RAG_TEXT_COLOUR, Rag
from ui.actions import OVERDUE_STYLE
from ui.moderation import DISAGREEMENT_SHADES, _grade_colour

ROOT = Path(__file__).resolve().parents[2]
WHITE = "#ffffff"
TEXT = 4.5
GRAPHICS = 3.0
# Streamlit 1.67's light theme: the sidebar's background, and captions drawn in the text colour
# at 60% opacity (its "fadedText60").
STREAMLIT_SIDEBAR = "#f0f2f6"
CAPTION_OPACITY = 0.6


def rgb(hex_colour: str) -> tuple[int, int, int]:
    hex_colour = hex_colour.strip().lstrip("#")
    return tuple(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))


def luminance(hex_colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(colour: str, background: str, opacity: float) -> str:
    """``colour`` drawn at ``opacity`` over ``background``, as the browser composites it."""
    mixed = (round(opacity * c + (1 - opacity) * b) for c, b in zip(rgb(colour), rgb(background)))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def test_the_formula_matches_known_ratios():
    assert contrast("#000000", WHITE) == pytest.approx(21.0)
    assert contrast(WHITE, WHITE) == pytest.approx(1.0)
    # What axe-core reported for Streamlit's default caption colour on white.
    assert contrast("#828180", WHITE) == pytest.approx(3.88, abs=0.01)
    # WebAIM's checker: #767676 is the lightest grey that passes 4.5:1 on white.
    assert contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)
    assert contrast("#777777", WHITE) < TEXT


@pytest.mark.parametrize("rag", list(Rag), ids=lambda r: r.label)
def test_rag_fills_stand_out_from_the_page_as_graphics(rag):
    assert contrast(rag.colour, WHITE) >= GRAPHICS, f"{rag.label} {rag.colour} on white"


@pytest.mark.parametrize("rag", list(Rag), ids=lambda r: r.label)
def test_text_drawn_on_a_rag_fill_is_readable(rag):
    assert contrast(rag.ink, rag.colour) >= TEXT, f"{rag.ink} on {rag.label} {rag.colour}"


def test_text_drawn_on_the_no_rag_fill_is_readable():
    assert contrast("#0b0c0c", NO_RAG_COLOUR) >= TEXT


def test_the_rag_colours_are_still_red_amber_and_green():
    # Contrast must not cost the meaning: red is mostly red, amber red-and-green (orange), green mostly green.
    (rr, rg, rb), (ar, ag, ab), (gr, gg, gb) = (rgb(Rag(letter).colour) for letter in "RAG")
    assert rr > 2 * rg and rr > 2 * rb
    assert ar > ag > 2 * ab and ag > ar / 2
    assert gg > 1.5 * gr and gg > 1.5 * gb


@pytest.mark.parametrize("rag", list(Rag), ids=lambda r: r.label)
def test_grades_written_in_their_rag_colour_are_readable_on_every_shade_of_the_comparison_table(rag):
    # The moderation comparison writes each grade in its RAG colour, on white or on the row's shade.
    label = {"R": "Inadequate", "A": "Requires improvement", "G": "Good"}[rag.value]
    colour = re.search(r"color: (#[0-9a-fA-F]{6})", _grade_colour(f"{rag.value} · {label}")).group(1)
    for background in [WHITE, *DISAGREEMENT_SHADES.values()]:
        assert contrast(colour, background) >= TEXT, f"{label} in {colour} on {background}"


def test_not_applicable_written_in_grey_is_readable():
    colour = re.search(r"color: (#[0-9a-fA-F]{6})", _grade_colour("Not applicable")).group(1)
    assert colour == NO_RAG_TEXT_COLOUR
    for background in [WHITE, *DISAGREEMENT_SHADES.values()]:
        assert contrast(colour, background) >= TEXT


def test_the_action_trackers_overdue_counts_are_readable():
    overdue_bg = re.search(r"background-color: (#\w{6})", OVERDUE_STYLE).group(1)
    overdue_text = re.search(r"(?<!-)color: (#\w{6})", OVERDUE_STYLE).group(1)
    assert contrast(overdue_text, overdue_bg) >= TEXT


# The tracker's overdue, due soon, verified and plain tags; Moderation agreement's generous and harsh readings.
@pytest.mark.parametrize("tag", ["#fde2e1", "#fff4d6", "#dff0e2", "#eeeeee", "#fde2c8", "#d6e6f7"])
def test_the_coloured_tags_are_readable(tag):
    # Streamlit draws a tag's words in the theme's text colour.
    assert contrast(_theme()["textColor"], tag) >= TEXT


def _theme() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]


def test_captions_are_readable_on_the_page_and_in_the_sidebar():
    text = _theme()["textColor"]
    for background in (WHITE, STREAMLIT_SIDEBAR):
        caption = over(text, background, CAPTION_OPACITY)
        assert contrast(caption, background) >= TEXT, f"caption {caption} on {background}"
        assert contrast(text, background) >= TEXT


def test_streamlits_default_caption_colour_would_fail():
    # The reason the theme sets textColor: Streamlit's default (#31333f) gives captions below 4.5:1.
    assert contrast(over("#31333f", WHITE, CAPTION_OPACITY), WHITE) < TEXT


def test_primary_colour_works_for_links_and_for_white_text_on_buttons():
    primary = _theme()["primaryColor"]
    assert contrast(primary, WHITE) >= TEXT
    assert contrast(WHITE, primary) >= TEXT


def test_every_count_in_the_agreement_matrix_is_readable_on_its_cell():
    from core.agreement import AgreementStats, Kappa
    from ui.agreement import matrix_heatmap
    from ui.widgets import chart_data

    # Counts from 0 to 40: every shade from the palest to the darkest, and the ones in between.
    matrix = [[0, 1, 2, 3], [5, 8, 10, 13], [17, 19, 20, 21], [23, 27, 33, 40]]
    stats = AgreementStats(n=sum(map(sum, matrix)), moderations=20, exact=101, within_one=150,
                           kappa=Kappa(None), direction=None, matrix=matrix)
    cells = chart_data(matrix_heatmap(stats, second="Moderated grade"))
    assert len(cells) == 16
    for fill, ink, count in zip(cells["Fill"], cells["Ink"], cells["Grades"]):
        assert contrast(ink, fill) >= TEXT, f"{count} in {ink} on {fill}"
