"""The session timeline chart (Altair), shared by the app and the HTML report.

One lane per marker with points shaded by probability, rupture episodes shaded, and a rolling
alliance line (positive minus rupture markers over the last ``window`` utterances). The x axis
is session time in minutes when the session is timed, else the utterance index.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from analyzer.labels import LABELS, POSITIVE_LABELS, RUPTURE_LABELS
from analyzer.session import Session

COLORS = {"goal_agreement": "#1b9e77", "collaboration": "#66a61e", "withdrawal": "#7570b3",
          "confrontation": "#d95f02", "repair": "#e7298a"}


def _x(session: Session) -> tuple[list[float], str]:
    if all(u.start is not None for u in session.utterances) and session.utterances:
        return [round((u.start or 0.0) / 60, 3) for u in session.utterances], "minutes"
    return [float(u.index) for u in session.utterances], "utterance"


def timeline_frames(session: Session, window: int = 20) -> dict[str, pd.DataFrame]:
    xs, unit = _x(session)
    markers = [
        {"x": xs[u.index], "index": u.index, "label": a.label, "probability": a.probability,
         "speaker": u.speaker, "role": u.role, "text": u.text[:160]}
        for u in session.utterances for a in u.annotations if a.origin == "model"
    ]
    balance = [sum(lb in POSITIVE_LABELS for lb in u.labels("model"))
               - sum(lb in RUPTURE_LABELS for lb in u.labels("model")) for u in session.utterances]
    rolling = pd.Series(balance, dtype=float).rolling(window, min_periods=1).mean()
    line = pd.DataFrame({"x": xs, "index": range(len(xs)), "alliance": rolling.round(3)})
    episodes = pd.DataFrame([
        {"x0": xs[e["start_index"]], "x1": xs[e["end_index"]] + (0.1 if unit == "minutes" else 1),
         "type": e["type"], "resolved": e["resolved"], "start_index": e["start_index"]}
        for e in session.episodes
    ], columns=["x0", "x1", "type", "resolved", "start_index"])
    return {"markers": pd.DataFrame(markers, columns=["x", "index", "label", "probability",
                                                      "speaker", "role", "text"]),
            "line": line, "episodes": episodes, "unit": pd.DataFrame({"unit": [unit]})}


def timeline_chart(session: Session, width: int = 800) -> alt.VConcatChart:
    frames = timeline_frames(session)
    unit = frames["unit"]["unit"][0]
    x_title = "session time (minutes)" if unit == "minutes" else "utterance"
    x = alt.X("x:Q", title=x_title)
    lanes = alt.Chart(frames["markers"]).mark_circle(size=90).encode(
        x=x,
        y=alt.Y("label:N", sort=list(LABELS), title=None),
        color=alt.Color("label:N", scale=alt.Scale(domain=list(COLORS),
                                                   range=list(COLORS.values())), legend=None),
        opacity=alt.Opacity("probability:Q", scale=alt.Scale(domain=[0, 1], range=[0.25, 1]),
                            legend=alt.Legend(title="probability")),
        tooltip=["index:Q", "speaker:N", "label:N", alt.Tooltip("probability:Q", format=".2f"),
                 "text:N"],
    )
    shade = alt.Chart(frames["episodes"]).mark_rect(opacity=0.15, color="#d95f02").encode(
        x="x0:Q", x2="x1:Q", tooltip=["type:N", "resolved:N", "start_index:Q"])
    top = alt.layer(shade, lanes).properties(width=width, height=170,
                                             title="Alliance markers and rupture episodes")
    bottom = alt.Chart(frames["line"]).mark_line(color="#444").encode(
        x=x, y=alt.Y("alliance:Q", title="rolling balance"),
        tooltip=["index:Q", alt.Tooltip("alliance:Q", format=".2f")],
    ).properties(width=width, height=90)
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(strokeDash=[4, 4], color="#999").encode(
        y="y:Q")
    return alt.vconcat(top, alt.layer(bottom, zero)).resolve_scale(x="shared")


def timeline_svg(session: Session) -> str:
    """The timeline as an SVG string (rendered offline with vl-convert)."""
    import vl_convert as vlc

    spec: dict[str, Any] = timeline_chart(session).to_dict()
    return vlc.vegalite_to_svg(spec)
