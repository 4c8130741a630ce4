"""RAG heatmaps: where practice is weak, by team and theme, practitioner and domain, team and week."""
from ui.guard import require

user = require("heatmaps")

import streamlit as st  # noqa: E402

from core.heatmap import MIN_AUDITS, MIN_RANK_AUDITS, SUPPRESSED_TEXT, View, highest_red_rate  # noqa: E402
from core.templates import LIVED_EXPERIENCE_DOMAIN  # noqa: E402
from ui.heatmap import (  # noqa: E402
    audit_links,
    audits_frame,
    clicked_cell,
    drill_down_picker,
    filter_controls,
    load_cell_audits,
    load_options,
    load_view,
    table_download,
)
from ui.text import plain  # noqa: E402
from ui.widgets import rag_legend, today  # noqa: E402

scope = user.scope
scope_key = scope.cache_key()

st.title("RAG heatmaps", anchor=False)
st.caption(
    f"Submitted audits of {'all teams' if scope.team_ids is None else 'the teams you manage'}, graded with the "
    f"moderated grade wherever an audit was moderated. A cell behind fewer than {MIN_AUDITS} audits is grey and "
    f"shows no grades, for everyone: it says \"{SUPPRESSED_TEXT}\"."
)
options = load_options(scope_key)
if not options.teams:
    st.info("You do not manage any team yet, so there is nothing to show. An administrator assigns teams.")
    st.stop()

filters = filter_controls(options, scope, today())

if filters.asks_for_teams(scope):
    st.info("Choose one or more teams (or a service area) above to compare their practitioners.")
    st.stop()

rank_by = None
if filters.view is View.PRACTITIONER_DOMAIN:
    domains = list(options.domains)
    rank_by = st.selectbox(
        "Rank practitioners by their share of Red grades in", domains, key="heatmaps_rank_domain",
        index=domains.index(LIVED_EXPERIENCE_DOMAIN) if LIVED_EXPERIENCE_DOMAIN in domains else 0,
    )

view = load_view(scope_key, filters, rank_by)
grid = view.grid
if grid.empty:
    st.info("No submitted audits match these filters. Widen the period or clear a filter.")
    st.stop()
if rank_by is not None:
    worst = highest_red_rate(list(grid.cells), rank_by)
    if worst is not None:
        c = worst.counts
        st.markdown(
            f"Highest share of Red grades in **{plain(rank_by)}**, among practitioners with "
            f"{MIN_RANK_AUDITS} or more audits: **{plain(worst.row_label)}**, {c.red} of {c.graded} graded "
            f"answers Red ({c.red / c.graded:.0%})."
        )
    else:
        st.caption(f"No practitioner with {MIN_RANK_AUDITS} or more audits here has a Red grade in "
                   f"{plain(rank_by)}.")
    st.caption(f"Practitioners are ranked by the share of their graded answers in this domain that are Red, over "
               f"{MIN_RANK_AUDITS} or more audits; those with fewer come after them, by name.")

event = st.vega_lite_chart(
    view.spec, on_select="rerun", selection_mode="cell", key=f"heatmaps_chart_{filters.view.value}",
    width="stretch", height=view.height,
)
rag_legend()
if grid.view is View.PRACTITIONER_DOMAIN:
    explained = ("Each cell counts graded answers in the domain: Red, Amber and Green, of how many answers"
                 + (", and their mean grade" if filters.colour.value == "mean" else "") + ".")
else:
    explained = ("Each cell counts audits by their overall grade: Red, Amber and Green, and n, the audits graded"
                 + (", with their mean grade" if filters.colour.value == "mean" else "") + ".")
st.caption(explained + " A blank cell has no audits. "
           + ("" if scope.aggregates_only else "Click a cell (or choose it below) to see its audits."))
for note in grid.notes:
    st.caption(note)

with st.expander("The heatmap as a table"):
    st.dataframe(view.table, hide_index=True, width="stretch")
    table_download(view.table, filters, user.username)

if scope.aggregates_only:
    st.caption("Team-level figures only: the audits behind a cell are shown to auditors and managers.")
    st.stop()

st.subheader("Audits behind a cell", anchor=False)
row_key, col_key = drill_down_picker(grid, clicked_cell(event))
if row_key is None or col_key is None:
    st.caption("Click a cell on the heatmap, or choose its row and column here.")
    st.stop()

cell = grid.cell(row_key, col_key)
rows, cols = dict(grid.rows), dict(grid.cols)
if cell is None:
    st.info(f"No audits for {plain(rows[row_key])} in {plain(cols[col_key])} with these filters.")
    st.stop()
st.markdown(f"**{plain(rows[row_key])} · {plain(cols[col_key])}**: {cell.counts.judgement(grid.unit)}")
result = load_cell_audits(scope_key, filters, row_key, col_key)
if result.total > len(result.audits):
    st.caption(f"The {len(result.audits)} newest of {result.total} audits. Narrow the filters to see the others.")
st.dataframe(audits_frame(result, filters.view), hide_index=True, width="stretch")
st.markdown("**Open an audit**")
audit_links(result.audits[:60])
