"""Unit tests of the heatmaps' pure core: cell values, the fixed scales, labels, ranking, filters and URLs."""
from __future__ import annotations

from datetime import date

import pytest

from core.authz import Role, Scope
from core.grades import RAG_COLOURS, Rag
from core.heatmap import (
    MEAN_DOMAIN,
    MIN_AUDITS,
    SHARE_DOMAIN,
    AuditKind,
    Cell,
    CellCounts,
    Colour,
    HeatmapFilters,
    View,
    cell_record,
    default_filters,
    most_red,
    rank_rows_by_red,
    scale,
    scope_from_cache_key,
    week_label,
    week_of,
)

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
    assert counts.balance == pytest.approx(-0.1)  # 0.3 - 0.4
    assert counts.value(Colour.SHARE) == pytest.approx(-0.1)
    assert counts.value(Colour.MEAN) == 2.0
    assert counts.rag(Colour.SHARE) is Rag.AMBER
    assert counts.rag(Colour.MEAN) is Rag.AMBER


@pytest.mark.parametrize("audits, suppressed", [(0, True), (1, True), (2, True), (3, False), (12, False)])
def test_cells_of_fewer_than_three_audits_are_too_few_to_judge(audits, suppressed):
    counts = CellCounts(audits=audits, red=audits, graded=audits, grade_sum=audits)
    assert MIN_AUDITS == 3
    assert counts.suppressed is suppressed
    if suppressed:
        assert counts.value(Colour.SHARE) is None and counts.value(Colour.MEAN) is None
        assert counts.rag(Colour.SHARE) is None
        assert counts.label(Colour.SHARE) == f"too few\nto judge ({audits})"
        assert counts.judgement().startswith("too few to judge")
        # The counts behind a suppressed cell are not drawn in it.
        assert "R" not in counts.label(Colour.SHARE).replace("to judge", "")
    else:
        assert counts.value(Colour.SHARE) == -1.0
        assert counts.label(Colour.SHARE) == f"R{audits} A0 G0\nn={audits}"


def test_labels_carry_the_count_and_rag_letters_in_both_colourings():
    counts = CellCounts(audits=7, red=2, amber=3, green=2, graded=7, grade_sum=2 + 6 + 7)
    assert counts.label(Colour.SHARE) == "R2 A3 G2\nn=7"
    assert counts.label(Colour.MEAN) == "R2 A3 G2\n2.1 · n=7"
    assert counts.judgement() == "Red 2 (29%) · Amber 3 (43%) · Green 2 (29%) · mean grade 2.14"


def test_a_cell_with_audits_but_no_graded_answer_is_not_graded():
    counts = CellCounts(audits=4)  # e.g. every answer in the domain was "not applicable"
    assert counts.mean_grade is None and counts.share(Rag.RED) is None
    assert counts.value(Colour.SHARE) is None
    assert counts.label(Colour.SHARE) == "not graded\nn=4"


@pytest.mark.parametrize(
    "red, amber, green, rag",
    [(6, 4, 0, Rag.RED), (4, 2, 4, Rag.AMBER), (0, 10, 0, Rag.AMBER), (1, 3, 6, Rag.GREEN), (5, 0, 5, Rag.AMBER)],
)
def test_rag_share_classification(red, amber, green, rag):
    counts = CellCounts(audits=10, red=red, amber=amber, green=green, graded=10, grade_sum=red + 2 * amber + 3 * green)
    assert counts.rag(Colour.SHARE) is rag


def test_the_colour_scales_are_fixed_rag_scales():
    domain, colours = scale(Colour.SHARE)
    assert domain == SHARE_DOMAIN == (-0.5, 0.0, 0.5)
    assert colours == (RAG_COLOURS[Rag.RED], RAG_COLOURS[Rag.AMBER], RAG_COLOURS[Rag.GREEN])
    domain, colours = scale(Colour.MEAN)
    assert domain == MEAN_DOMAIN == (1.0, 2.0, 3.0, 4.0)
    assert colours[0] == RAG_COLOURS[Rag.RED] and colours[1] == RAG_COLOURS[Rag.AMBER]
    assert colours[2] == colours[3] == RAG_COLOURS[Rag.GREEN]


def test_dark_cells_get_white_text_only_near_the_ends_of_the_scale():
    all_red = CellCounts(audits=5, red=5, graded=5, grade_sum=5)
    amber = CellCounts(audits=5, amber=5, graded=5, grade_sum=10)
    assert all_red.dark(Colour.SHARE) and all_red.dark(Colour.MEAN)
    assert not amber.dark(Colour.SHARE) and not amber.dark(Colour.MEAN)
    assert not CellCounts(audits=2, red=2, graded=2, grade_sum=2).dark(Colour.SHARE)  # grey


def test_cell_record_is_flat_and_carries_the_label():
    record = cell_record(Cell("4", "Team A", "neglect", "Neglect", CellCounts(3, 1, 1, 1, 3, 6)), Colour.SHARE)
    assert record["row"] == "Team A" and record["col"] == "Neglect" and record["audits"] == 3
    assert record["label"] == "R1 A1 G1\nn=3"
    assert record["share_red"] == 0.333 and record["mean_grade"] == 2.0 and record["value"] == 0.0
    assert record["suppressed"] is False and record["rag"] == "A"


# ------------------------------------------------------------------ ranking
def _cell(row, col, audits, red, label=None):
    return Cell(row, label or f"P{row}", col, col, CellCounts(audits, red=red, amber=audits - red, graded=audits,
                                                              grade_sum=red + 2 * (audits - red)))


def test_rank_rows_by_red_puts_the_most_red_first_and_suppressed_last():
    cells = [
        _cell("1", "LE", 5, 1), _cell("2", "LE", 6, 4), _cell("3", "LE", 2, 2),  # 3: too few to judge
        _cell("4", "LE", 8, 4), _cell("5", "Risk", 9, 9),  # 5 has no lived-experience cell
        _cell("1", "Risk", 4, 0),
    ]
    # 2 and 4 both have 4 Red: 2 first, as its share of Red is higher (4/6 > 4/8).
    assert rank_rows_by_red(cells, "LE") == ["2", "4", "1", "3", "5"]
    assert most_red(cells, "LE").row_key == "2"
    assert most_red(cells, "Risk").row_key == "5"
    assert most_red([_cell("1", "LE", 2, 2)], "LE") is None  # only a suppressed cell


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
