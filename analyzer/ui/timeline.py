"""The interactive session timeline: ``analyzer.charts.timeline_chart`` plus click selections.

The shared chart (also in the HTML report) is reused as is; this module adds two named point
selections — ``marker`` on the marker lanes (field ``index``) and ``episode`` on the shaded
rupture episodes (field ``start_index``) — and turns a selection into the transcript's focus.

The selections are added to the compiled Vega-Lite spec, as top-level parameters bound to
their own view, and the spec is drawn with ``st.vega_lite_chart`` (the renderer behind
``st.altair_chart``): Altair 6 hoists parameters added to two members of a layer inside a
``vconcat`` onto *both* views, which Vega rejects ("Duplicate signal name").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from analyzer.charts import timeline_chart
from analyzer.session import Session
from analyzer.ui.transcript import set_focus

KEY = "timeline"
SELECTIONS = {"marker": "index", "episode": "start_index"}
_MARKS = {"circle": "marker", "rect": "episode"}
WIDTH = 820  # plot width in pixels; axis labels and the legend come on top


def timeline_spec(session: Session, width: int = 800) -> dict[str, Any]:
    """The timeline's Vega-Lite spec with a ``marker`` and an ``episode`` click selection."""
    spec: dict[str, Any] = timeline_chart(session, width=width).to_dict()
    params = [p for p in spec.get("params", []) if p.get("name") not in SELECTIONS]
    for n, layer in enumerate(spec["vconcat"][0]["layer"]):
        mark = layer.get("mark")
        name = _MARKS.get(mark.get("type") if isinstance(mark, dict) else mark)
        if name is None:
            continue
        view = layer.setdefault("name", f"timeline_view_{n}")
        params.append({"name": name, "views": [view],
                       "select": {"type": "point", "fields": [SELECTIONS[name]]}})
    spec["params"] = params
    return spec


def focus_from_selection(selection: Mapping[str, Any] | None) -> int | None:
    """The utterance a chart selection points at: a marker's, else an episode's first."""
    for name, field in SELECTIONS.items():
        points = (selection or {}).get(name) or []
        if isinstance(points, list):
            for point in points:
                if isinstance(point, Mapping) and point.get(field) is not None:
                    return int(point[field])
    return None


def _on_select() -> None:
    event = st.session_state.get(KEY)
    selection = getattr(event, "selection", None)
    if selection is None and isinstance(event, Mapping):
        selection = event.get("selection")
    set_focus(focus_from_selection(selection))


@st.cache_data(max_entries=16, show_spinner=False)
def _cached_spec(session_id: str, version: str | None, _session: Session) -> dict[str, Any]:
    return timeline_spec(_session, width=WIDTH)


def render(session: Session, version: str | None = None) -> None:
    """The chart; clicking a point or an episode focuses the transcript on it.

    ``version`` (the stored session's ``updated_at``) caches the spec between reruns.
    """
    spec = (_cached_spec(session.id, version, session) if version is not None
            else timeline_spec(session, width=WIDTH))
    st.vega_lite_chart(spec=spec, key=KEY,
                       on_select=_on_select, selection_mode=list(SELECTIONS), width="content")
    timed = all(u.start is not None for u in session.utterances)
    st.caption(("x axis: session time (minutes)" if timed else "x axis: utterance number")
               + " · click a marker or a shaded rupture episode to jump to it in the transcript")
