"""Unit tests of the heatmaps' pure core: cell values, the fixed scales, labels, ranking, filters and URLs."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.authz import Role, Scope
from core.grades import Rag
from core.heatmap import (
    MIN_AUDITS,
    MIN_RANK_AUDITS,
    AuditKind,
    Cell,
    CellCounts,
    Colour,
    Unit,
    View,
    cell_record,
    highest_red_rate,
    is_suppressed,
    legend,
    rank_rows_by_red_rate,
    suppress,
    text_colour,
)
from core.heatmap_filters import HeatmapFilters, default_filters, scope_from_cache_key, week_label
from core.periods import week_of

AUDITOR = Scope(1, "auditor", frozenset({Role.AUDITOR}))
MANAGER = Scope(2, "manager", frozenset({Role.MANAGER}), frozenset({7, 3}))
SPONSOR = Scope(3, "sponsor", frozenset({Role.SPONSOR}))


# ------------------------------------------------------------------ cell values
def test_shares_mean_and_balance_worked_by_hand():
    # 10 audits: 4 Inadequate (1), 3 Requires improvement (2), 2 Good (3), 1 Outstanding (4).
    counts = CellCounts(audits=10, red=4, amber=3, green=3, graded=10, grade_sum=4 * 1 + 3 * 2 + 2 * 3 + 4)
    assert counts.share(Rag.RED) == 0.4
    assert counts.share(Rag.AMBER) == 0.3
    assert counts.share(Rag.GREEN) == 0.3
    assert counts.mean_grade == 2.0  # 20 / 10
    assert counts.largest_share() == (Rag.RED, False)  # Red is the largest share, not over half
    assert counts.rag(Colour.SHARE) is Rag.RED
    assert counts.rag(Colour.MEAN) is Rag.AMBER  # a mean of 2 is Requires improvement


@pytest.mark.parametrize("audits, suppressed", [(0, True), (1, True), (2, True), (3, False), (12, False)])
def test_cells_of_fewer_than_three_audits_are_suppressed(audits, suppressed):
    counts = CellCounts(audits=audits, red=audits, graded=audits, grade_sum=audits)
    assert MIN_AUDITS == 3
    assert counts.suppressed is suppressed and is_suppressed(audits) is suppressed
    if suppressed:
        assert counts.mean_grade is None and counts.share(Rag.RED) is None and counts.rag(Colour.SHARE) is None
        assert counts.label(Colour.SHARE) == "fewer than\n3 audits"
        assert counts.judgement() == "fewer than 3 audits"
    else:
        assert counts.mean_grade == 1.0
        assert counts.label(Colour.SHARE) == f"R{audits} A0 G0\nn={audits}"


def test_a_suppressed_cells_record_carries_its_place_and_the_reason_only():
    # One audit graded Inadequate: nothing of that grade may travel, not even the count.
    cell = suppress(Cell("4", "Team A", "neglect", "Neglect", CellCounts(1, 1, 0, 0, 1, 1)))
    assert cell.counts == CellCounts(audits=0, withheld=True)
    for colour in Colour:
        record = cell_record(cell, colour)
        assert (record["row"], record["col"], record["suppressed"]) == ("Team A", "Neglect", True)
        assert record["label"] == "fewer than\n3 audits" and record["judgement"] == "fewer than 3 audits"
        for field in ("audits", "graded", "red", "amber", "green", "share_red", "share_amber", "share_green",
                      "mean_grade", "tooltip"):
            assert record[field] is None, field
        assert record["rag"] == "" and record["band"] == "fewer than 3 audits"
    # A judged cell keeps everything.
    judged = suppress(Cell("4", "Team A", "neglect", "Neglect", CellCounts(3, 1, 1, 1, 3, 6)))
    assert judged.counts == CellCounts(3, 1, 1, 1, 3, 6)


def test_labels_carry_the_counts_and_one_unit_per_cell():
    counts = CellCounts(audits=7, red=2, amber=3, green=2, graded=7, grade_sum=2 + 6 + 7)
    assert counts.label(Colour.SHARE) == "R2 A3 G2\nn=7"
    assert counts.label(Colour.MEAN) == "R2 A3 G2\nmean 2.1 · n=7"
    assert counts.judgement() == "Red 2 (29%) · Amber 3 (43%) · Green 2 (29%) · mean grade 2.14 · 7 audits"
    # Practitioner x domain: the counts are of answers (10 graded answers in 4 audits); the cell says
    # answers only, the audits go in the table and tooltip, named.
    answers = CellCounts(audits=4, red=2, amber=5, green=3, graded=10, grade_sum=2 + 10 + 9)
    assert answers.label(Colour.SHARE, Unit.ANSWERS) == "R2 A5 G3\nof 10 answers"
    assert answers.label(Colour.MEAN, Unit.ANSWERS) == "R2 A5 G3\nof 10 answers\nmean 2.1"
    assert answers.judgement(Unit.ANSWERS).endswith("of 10 graded answers in 4 audits")
    assert View.PRACTITIONER_DOMAIN.unit is Unit.ANSWERS and View.TEAM_THEME.unit is Unit.AUDITS


def test_a_cell_with_audits_but_no_graded_answer_is_not_graded():
    counts = CellCounts(audits=4)  # e.g. every answer in the domain was "not applicable"
    assert counts.mean_grade is None and counts.share(Rag.RED) is None
    assert counts.label(Colour.SHARE) == "not graded\n4 audits"
    assert counts.band(Colour.MEAN) == ("not graded", "#f0f0f0")


# The cells: Child Protection x Risk (R2 A11 G8) and an Amber-heavy Front Door cell must not
# look green; a cell of mostly Inadequate is red; mostly Good is green.
@pytest.mark.parametrize(
    "red, amber, green, mean_band, share_band",
    [
        (2, 11, 8, "2 to 2.5: Requires improvement", "Amber, over half"),  # mean (2 + 22 + 24) / 21 = 2.29
        (6, 4, 0, "below 1.5: mostly Inadequate", "Red, over half"),  # mean 14 / 10 = 1.4
        (4, 2, 4, "2 to 2.5: Requires improvement", "Red the largest share"),  # 2.0; tie R/G goes to Red
        (0, 10, 0, "2 to 2.5: Requires improvement", "Amber, over half"),
        (1, 3, 6, "2.5 to 3: RI to Good", "Green, over half"),  # 2.5
        (0, 1, 9, "3 or above: Good or better", "Green, over half"),  # nine Outstanding: (2 + 36) / 10 = 3.8
        (4, 4, 2, "1.5 to 2: Inadequate to RI", "Red the largest share"),  # 18 / 10 = 1.8; R/A tie goes to Red
        (2, 5, 3, "2 to 2.5: Requires improvement", "Amber the largest share"),  # 2.1, Amber 50%: not over half
    ],
)
def test_cells_are_coloured_by_what_their_grades_say(red, amber, green, mean_band, share_band):
    grade_sum = red * 1 + amber * 2 + green * 3
    if (red, amber, green) == (0, 1, 9):
        grade_sum += 9  # nine Outstanding (4): mean (2 + 36) / 10 = 3.8
    counts = CellCounts(audits=red + amber + green, red=red, amber=amber, green=green, graded=red + amber + green,
                        grade_sum=grade_sum)
    assert counts.band(Colour.MEAN)[0] == mean_band
    assert counts.band(Colour.SHARE)[0] == share_band


def relative_luminance(hex_colour):
    """WCAG 2.1 relative luminance, written out from the definition."""
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def wcag_contrast(a, b):
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_label_on_every_fill_has_at_least_4_5_to_1_contrast():
    assert round(wcag_contrast("#000000", "#ffffff"), 1) == 21.0  # the formula, checked
    fills = set()
    for colour in Colour:
        bands, colours = legend(colour)
        assert "fewer than 3 audits" in bands and len(bands) == len(colours)
        fills |= set(colours)
        for red, amber, green in [(9, 0, 0), (5, 4, 1), (0, 9, 0), (1, 5, 4), (0, 0, 9), (3, 3, 4), (4, 3, 3)]:
            counts = CellCounts(10, red, amber, green, red + amber + green, red + 2 * amber + 3 * green)
            record = cell_record(Cell("1", "T", "c", "C", counts), colour)
            assert wcag_contrast(record["fill"], record["text_colour"]) >= 4.5, record
    for fill in fills:
        assert wcag_contrast(fill, text_colour(fill)) >= 4.5, fill
    # Amber is amber, whatever the mode: the project's accessible amber, 3:1 on the white page as a graphic
    # (WCAG 1.4.11), where the usual #e69f00 is 2.25:1.
    assert "#c87800" in legend(Colour.MEAN)[1] and "#c87800" in legend(Colour.SHARE)[1]
    assert "#e69f00" not in fills
    assert wcag_contrast("#c87800", "#ffffff") >= 3.0


def test_cell_record_is_flat_and_carries_the_label():
    record = cell_record(Cell("4", "Team A", "neglect", "Neglect", CellCounts(3, 1, 1, 1, 3, 6)), Colour.SHARE)
    assert record["row"] == "Team A" and record["col"] == "Neglect" and record["audits"] == 3
    assert record["label"] == "R1 A1 G1\nn=3"
    assert record["share_red"] == 0.333 and record["mean_grade"] == 2.0
    assert record["suppressed"] is False and record["rag"] == "R"  # a three-way tie goes to the worse
    assert record["tooltip"] == record["judgement"]


# ------------------------------------------------------------------ ranking
def _cell(row, col, audits, red, label=None, graded=None):
    graded = graded or audits
    return Cell(row, label or f"P{row}", col, col, CellCounts(audits, red=red, amber=graded - red, graded=graded,
                                                              grade_sum=red + 2 * (graded - red)))


def test_practitioners_are_ranked_by_their_share_of_red_over_five_audits_or_more():
    assert MIN_RANK_AUDITS == 5
    cells = [
        _cell("1", "LE", 5, 1, graded=10),  # 10%
        _cell("2", "LE", 6, 4, graded=12),  # 33%
        _cell("3", "LE", 2, 2),  # suppressed
        _cell("4", "LE", 8, 8, graded=16),  # 50%: the highest rate, though not the most audits
        _cell("6", "LE", 12, 6, graded=24),  # 25%: the most Red grades after 4 (6), not the highest rate
        _cell("7", "LE", 4, 4, graded=8),  # 100% but only 4 audits: not ranked
        _cell("5", "Risk", 9, 9),  # 5 has no lived-experience cell
    ]
    assert rank_rows_by_red_rate(cells, "LE") == ["4", "2", "6", "1", "7", "3", "5"]
    assert highest_red_rate(cells, "LE").row_key == "4"
    assert highest_red_rate(cells, "Risk").row_key == "5"
    assert highest_red_rate([_cell("7", "LE", 4, 4)], "LE") is None  # under the minimum n


def test_no_page_or_ui_module_uses_the_unsuppressed_counts():
    root = Path(__file__).resolve().parents[2]
    for folder in ("pages", "ui"):
        for path in (root / folder).glob("*.py"):
            assert "heatmap_counts" not in path.read_text(encoding="utf-8"), path


# ------------------------------------------------------------------ weeks
def test_programme_weeks_and_their_labels():
    start = date(2026, 9, 7)  # a Monday
    assert week_of(start, date(2026, 9, 7)) == 1
    assert week_of(start, date(2026, 9, 13)) == 1
    assert week_of(start, date(2026, 9, 14)) == 2
    assert week_of(start, date(2026, 9, 6)) == 0  # the day before the programme
    assert week_of(start, date(2026, 8, 30)) == -1
    assert week_label(start, 3, 12) == "W3"
    assert week_label(start, 13, 12) == "w/c 30 Nov 26"
    assert week_label(start, 0, 12) == "w/c 31 Aug 26"


def test_a_period_of_programme_weeks_becomes_dates():
    start = date(2026, 9, 7)
    assert HeatmapFilters(weeks=(2, 3)).period(start) == (date(2026, 9, 14), date(2026, 9, 27))
    assert HeatmapFilters(weeks=(2, 3)).period(None) == (None, None)
    assert HeatmapFilters(dates=(date(2026, 10, 1), date(2026, 9, 1))).period(start) == (
        date(2026, 9, 1), date(2026, 10, 1))
    assert HeatmapFilters().period(start) == (None, None)
    with pytest.raises(ValueError):
        HeatmapFilters(weeks=(1, 2), dates=(date(2026, 9, 1), date(2026, 9, 2)))


# ------------------------------------------------------------------ filters and URLs
def test_filters_round_trip_through_the_query_string():
    filters = HeatmapFilters(
        view=View.PRACTITIONER_DOMAIN, colour=Colour.MEAN, weeks=(5, 3), team_ids=(7, 2, 7),
        theme_codes=("risk", "neglect"), kind=AuditKind.INTERNAL, moderated_only=True, service_area="Front door",
    )
    query = filters.to_query()
    assert query == {"view": "practitioner-domain", "colour": "mean", "weeks": "3-5", "teams": "2,7",
                     "themes": "neglect,risk", "kind": "internal", "moderated": "1", "area": "Front door"}
    assert HeatmapFilters.from_query(query) == filters
    dated = HeatmapFilters(dates=(date(2026, 9, 1), date(2026, 9, 30)))
    assert dated.to_query() == {"from": "2026-09-01", "to": "2026-09-30"}
    assert HeatmapFilters.from_query(dated.to_query()) == dated


def test_the_default_view_has_an_empty_query_string():
    assert HeatmapFilters().to_query() == {}
    assert HeatmapFilters.from_query({}) == HeatmapFilters()


def test_a_malformed_link_opens_the_page_with_what_can_be_read():
    filters = HeatmapFilters.from_query({
        "view": "everything", "colour": "purple", "weeks": "x-3", "teams": "1,two,3;DROP", "themes": "risk,<b>",
        "kind": "both", "moderated": "maybe", "from": "2026-13-01", "to": "2026-09-30", "area": "A" * 500,
    })
    assert filters.view is View.TEAM_THEME and filters.colour is Colour.SHARE and filters.kind is AuditKind.ALL
    assert filters.weeks is None and filters.dates is None
    assert filters.team_ids == (1,)
    assert filters.theme_codes == ("risk",)
    assert filters.moderated_only is False
    assert len(filters.service_area) == 120
    assert HeatmapFilters.from_query({"weeks": "4"}).weeks == (4, 4)
    assert HeatmapFilters.from_query({"weeks": "0-900"}).weeks is None
    # Streamlit may hand over repeated keys as lists: the last one counts.
    assert HeatmapFilters.from_query({"teams": ["1", "2"]}).team_ids == (2,)


def test_a_sponsor_never_gets_the_practitioner_view():
    filters = HeatmapFilters(view=View.PRACTITIONER_DOMAIN)
    assert filters.for_scope(SPONSOR).view is View.TEAM_THEME
    assert filters.for_scope(AUDITOR).view is View.PRACTITIONER_DOMAIN
    assert HeatmapFilters(view=View.TEAM_WEEK).for_scope(SPONSOR).view is View.TEAM_WEEK


def test_managers_start_on_the_teams_they_manage():
    assert default_filters(MANAGER).team_ids == (3, 7)
    assert default_filters(AUDITOR).team_ids == ()
    assert default_filters(Scope(4, "m", frozenset({Role.MANAGER}))).team_ids == ()


def test_filters_are_hashable_and_equal_views_are_equal():
    a = HeatmapFilters(team_ids=(3, 1), theme_codes=("risk", "neglect"))
    b = HeatmapFilters(team_ids=(1, 3, 3), theme_codes=("neglect", "risk"))
    assert a == b and hash(a) == hash(b)


@pytest.mark.parametrize("scope", [AUDITOR, MANAGER, SPONSOR, Scope(5, "x", frozenset({Role.MANAGER, Role.AUDITOR}),
                                                                     frozenset({1}))])
def test_a_scope_rebuilt_from_its_cache_key_sees_the_same(scope):
    rebuilt = scope_from_cache_key(scope.cache_key())
    assert rebuilt.team_ids == scope.team_ids
    assert rebuilt.aggregates_only == scope.aggregates_only
    assert rebuilt.cache_key() == scope.cache_key()
