"""One-page HTML session report: timeline image, episode list with quoted evidence, summary.

``render_report(session) -> str``. All transcript text is escaped by Jinja2's autoescaping;
the timeline is an SVG rendered offline and embedded as an image, so nothing in the report
can run script or reach the network.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from analyzer.labels import LABELS
from analyzer.render import clock
from analyzer.session import Session

_env = Environment(loader=PackageLoader("analyzer", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True)


def _quotes(session: Session, episode: dict[str, Any]) -> list[dict[str, Any]]:
    tags: dict[int, str] = {m["index"]: m["label"] for m in episode["markers"]}
    for r in episode["repairs"]:
        tags[r["index"]] = "repair"
    if episode.get("resolution_index") is not None:
        tags[episode["resolution_index"]] = "resolution"
    return [{"index": i, "speaker": session.utterances[i].speaker,
             "role": session.utterances[i].role, "tag": tag,
             "text": session.utterances[i].text} for i, tag in sorted(tags.items())]


def render_report(session: Session) -> str:
    timeline = None
    if any(u.scores for u in session.utterances):
        from analyzer.charts import timeline_svg

        timeline = base64.b64encode(timeline_svg(session).encode("utf-8")).decode("ascii")
    summary = session.summary
    share = (summary.get("talk_share") or {}).get("therapist")
    return _env.get_template("report.html.j2").render(
        s=session, summary=summary, profile=summary.get("profile"), labels=LABELS,
        episodes=[{**e, "quotes": _quotes(session, e)} for e in session.episodes],
        timeline=timeline, duration=clock(session.duration),
        talk=f"{share:.0%}" if share is not None else "–",
        generated=time.strftime("%Y-%m-%d %H:%M"),
    )
