"""RAG heatmaps: where practice is weak, by team and theme, practitioner and domain, team and week."""
from ui.guard import require

user = require("heatmaps")

import streamlit as st  # noqa: E402

from core.heatmap import MIN_AUDITS, TOO_FEW, View, most_red  # noqa: E402
from core.templates import LIVED_EXPERIENCE_DOMAIN  # noqa: E402
from ui.heatmap import (  # noqa: E402
    audit_links,
    audits_frame,
    clicked_cell,
    drill_down_picker,
    escape_markdown,
    filter_controls,
    load_cell_audits,
    load_options,
    load_view,
)
from ui.widgets import rag_legend, today  # noqa: E402

scope = user.scope
scope_key = scope.cache_key()

st.title("RAG heatmaps")
st.caption(
    f"Submitted audits of {'all teams' if scope.team_ids is None else 'the teams you manage'}, graded with the "
    f"moderated grade wherever an audit was moderated. Cells behind fewer than {MIN_AUDITS} audits are grey: "
    f"{TOO_FEW}."
)
options = load_options(scope_key)
if not options.teams:
    st.info("You do not manage any team yet, so there is nothing to show. An administrator assigns teams.")
    st.stop()

filters = filter_controls(options, scope, today())

if filters.view is View.PRACTITIONER_DOMAIN and not filters.team_ids and not filters.service_area:
    st.info("Choose one or more teams (or a service area) above to compare their practitioners.")
    st.stop()

rank_by = None
if filters.view is View.PRACTITIONER_DOMAIN:
    domains = list(options.domains)
    rank_by = st.selectbox(
        "Rank practitioners by Red grades in", domains, key="hm_rank_domain",
        index=domains.index(LIVED_EXPERIENCE_DOMAIN) if LIVED_EXPERIENCE_DOMAIN in domains else 0,
    )

view = load_view(scope_key, filters, rank_by)
grid = view.grid
if grid.empty:
    st.info("No submitted audits match these filters. Widen the period or clear a filter.")
    st.stop()
if rank_by is not None:
    worst = most_red(list(grid.cells), rank_by)
    if worst is not None:
        st.markdown(
            f"Most Red grades in **{escape_markdown(rank_by)}**: **{escape_markdown(worst.row_label)}**, "
            f"{worst.counts.red} Red of {worst.counts.graded} graded answers in {worst.counts.audits} audits."
        )
    else:
        st.caption(f"No practitioner here has a Red grade in {escape_markdown(rank_by)} "
                   f"(cells of {MIN_AUDITS} or more audits).")

frame = view.frame
event = st.vega_lite_chart(
    frame, view.spec, on_select="rerun", selection_mode="cell", key=f"hm_chart_{filters.view.value}",
    width="stretch", height=view.height,
)
rag_legend()
st.caption("Each cell: its Red, Amber and Green counts and n, the number of audits behind it; a blank cell has "
           "no audits. " + ("" if scope.aggregates_only else "Click a cell (or choose it below) to see its audits."))
for note in grid.notes:
    st.caption(note)

with st.expander("The heatmap as a table"):
    st.dataframe(
        frame[["row", "col", "audits", "red", "amber", "green", "mean_grade", "judgement"]].rename(columns={
            "row": "Row", "col": "Column", "audits": "Audits", "red": "Red", "amber": "Amber", "green": "Green",
            "mean_grade": "Mean grade", "judgement": "Judgement",
        }),
        hide_index=True, width="stretch",
    )

if scope.aggregates_only:
    st.caption("Team-level figures only: the audits behind a cell are shown to auditors and managers.")
    st.stop()

st.subheader("Audits behind a cell")
row_key, col_key = drill_down_picker(grid, clicked_cell(event))
if row_key is None or col_key is None:
    st.caption("Click a cell on the heatmap, or choose its row and column here.")
    st.stop()

cell = grid.cell(row_key, col_key)
rows, cols = dict(grid.rows), dict(grid.cols)
if cell is None:
    st.info(f"No audits for {escape_markdown(rows[row_key])} in {escape_markdown(cols[col_key])} with these filters.")
    st.stop()
st.markdown(f"**{escape_markdown(rows[row_key])} · {escape_markdown(cols[col_key])}**: {cell.counts.judgement()}")
result = load_cell_audits(scope_key, filters, row_key, col_key)
if result.total > len(result.audits):
    st.caption(f"The {len(result.audits)} newest of {result.total} audits. Narrow the filters to see the others.")
st.dataframe(audits_frame(result, filters.view), hide_index=True, width="stretch")
st.markdown("**Open an audit**")
audit_links(result.audits[:60])
