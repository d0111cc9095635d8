"""Dyad trends page: one client/therapist pair across sessions (``analyzer.trends``).

Markers per session and the alliance index over the dyad's sessions, flagged sessions first
in the table (flags: unresolved-rupture spike, alliance drop — see ``analyzer.trends``).
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from analyzer.catalog import dyad_rows, dyads
from analyzer.charts import COLORS
from analyzer.labels import LABELS
from analyzer.trends import MIN_BASELINE, dyad_key
from analyzer.ui import common

WIDTH = 820


def charts(rows: list[dict[str, Any]]) -> alt.VConcatChart | None:
    """Alliance index line (flagged sessions in red) over stacked marker counts."""
    tagged = [r for r in rows if r["tagged"]]
    if not tagged:
        return None
    ordered = sorted(tagged, key=lambda r: r["n"])
    sessions = [f"{r['n']}. {r['session']}" for r in ordered]
    frame = pd.DataFrame([{"session": s, "date": r["date"],
                           "alliance_index": r["alliance_index"],
                           "flag": r["flags"] or "none"} for s, r in zip(sessions, ordered,
                                                                            strict=True)])
    x = alt.X("session:N", sort=sessions, title=None, axis=alt.Axis(labelAngle=-30))
    line = alt.Chart(frame).mark_line(color="#444").encode(
        x=x, y=alt.Y("alliance_index:Q", title="alliance index", scale=alt.Scale(zero=False)))
    points = alt.Chart(frame).mark_circle(size=110).encode(
        x=x, y="alliance_index:Q",
        color=alt.condition("datum.flag != 'none'", alt.value("#c0392b"), alt.value("#444")),
        tooltip=["session:N", "date:N", alt.Tooltip("alliance_index:Q", format=".1f"), "flag:N"])
    counts = pd.DataFrame([{"session": s, "label": common.label_name(lb), "count": r[lb]}
                           for s, r in zip(sessions, ordered, strict=True) for lb in LABELS])
    bars = alt.Chart(counts).mark_bar().encode(
        x=x, y=alt.Y("count:Q", title="markers"),
        color=alt.Color("label:N", scale=alt.Scale(
            domain=[common.label_name(lb) for lb in COLORS], range=list(COLORS.values())),
            legend=alt.Legend(title=None, orient="bottom")),
        tooltip=["session:N", "label:N", "count:Q"])
    top = alt.layer(line, points).properties(width=WIDTH, height=220,
                                             title="Alliance index per session")
    return alt.vconcat(top, bars.properties(width=WIDTH, height=200,
                                            title="Markers per session"))


def render() -> None:
    store = common.store()
    st.title("Dyad trends", anchor=False)
    stored = store.list_sessions()
    if not stored:
        st.info("No sessions stored yet.")
        return
    keys = dyads(stored)
    current = st.session_state.get("session")
    mine = next((dyad_key(r) for r in stored if r["id"] == current), None)
    if st.session_state.get("dyad") not in keys:
        st.session_state["dyad"] = mine if mine in keys else keys[0]
    counts = {k: sum(dyad_key(r) == k for r in stored) for k in keys}
    dyad = st.selectbox("Client / therapist pair", keys, key="dyad",
                        format_func=lambda k: f"{k} ({counts[k]} sessions)")
    rows = dyad_rows(stored, dyad)
    if len(rows) < MIN_BASELINE + 1:
        st.caption(f"Flags compare each session with the dyad's other sessions and need at "
                   f"least {MIN_BASELINE} of them.")
    chart = charts(rows)
    if chart is None:
        st.info("No session of this dyad is tagged yet: the alliance index and marker counts "
                "appear once the tagger model is installed and the sessions re-analysed.")
    else:
        st.altair_chart(chart, width="content", key="dyad-chart")
    st.subheader("Sessions (flagged first)", anchor=False)
    table = pd.DataFrame(rows)[["session", "date", "flags", "alliance_index", "episodes",
                                "unresolved", *LABELS]]
    st.dataframe(table, hide_index=True, width="stretch", key="dyad-table", placeholder="–",
                 column_config={
        "flags": st.column_config.TextColumn("flags", width="medium"),
        "alliance_index": st.column_config.NumberColumn("alliance index", format="%.1f"),
        **{lb: st.column_config.NumberColumn(common.label_name(lb)) for lb in LABELS}})
    ids = [r["session"] for r in rows]
    c = st.columns([3, 1], vertical_alignment="bottom")
    pick = c[0].selectbox("Open", ids, key="dyad-open-pick")
    with c[1]:
        common.nav_button("Open review", "review", pick, key="dyad-open", primary=True,
                          pick_key="dyad-open-pick",
                          icon=":material/timeline:")
