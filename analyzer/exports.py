"""Exports of reviewed sessions: a CSV table, corpus JSON/JSONL and the HTML report.

- CSV: one row per utterance with the model's labels, the reviewed ``labels`` and their
  ``subtypes``, whether a reviewer decided on it, reviewers and comments. Its
  ``session_id``/``index``/``labels`` columns are what ``alliance agreement`` reads.
- Corpus JSON: the project's session JSON as in ``training/data/synthetic/*.json`` — id,
  source, metadata, speakers and per-utterance ``labels`` and ``subtypes`` — so reviewed
  sessions can become training data (the JSON reader turns them into reviewer annotations).
  JSONL is the same, one session per line. Utterances nobody reviewed carry the model's
  labels (``unreviewed="model"``) or none (``unreviewed="none"``); ``metadata["review"]``
  lists which utterances were reviewed and by whom.
- HTML: ``analyzer.report.render_report`` (text escaped, nothing that runs or loads).

``alliance corpus check`` requires a subtype on every label; ``missing_subtypes`` lists the
reviewed labels that still lack one.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from analyzer.labels import LABELS
from analyzer.review import UtteranceReview
from analyzer.session import Session, utcnow

Unreviewed = Literal["model", "none"]
CSV_COLUMNS = ("session_id", "index", "source_id", "speaker", "role", "start", "end", "text",
               "model_labels", "labels", "subtypes", "reviewed", "changed", "reviewers",
               "comments", *(f"p_{lb}" for lb in LABELS))

Reviewed = tuple[Session, dict[int, UtteranceReview]]


def _labels(state: UtteranceReview, unreviewed: Unreviewed) -> list[str]:
    if state.decided:
        return state.effective()
    return list(state.model_labels) if unreviewed == "model" else []


def review_rows(session: Session, state: dict[int, UtteranceReview],
                unreviewed: Unreviewed = "model") -> list[dict[str, Any]]:
    rows = []
    for u in session.utterances:
        s = state[u.index]
        labels = _labels(s, unreviewed)
        subtypes = {lb: st for lb, st in s.subtypes().items() if lb in labels}
        who = {lab.reviewer for lab in s.labels.values() if lab.reviewer}
        who |= {c["reviewer"] for c in s.comments}
        rows.append({
            "session_id": session.id, "index": u.index, "source_id": u.source_id,
            "speaker": u.speaker, "role": u.role, "start": u.start, "end": u.end,
            "text": u.text, "model_labels": ";".join(s.model_labels),
            "labels": ";".join(labels),
            "subtypes": ";".join(f"{lb}:{st}" for lb, st in subtypes.items()),
            "reviewed": s.decided, "changed": s.decided and s.changed,
            "reviewers": ";".join(sorted(who)),
            "comments": " | ".join(f"{c['reviewer']}: {c['text']}" for c in s.comments),
            **{f"p_{lb}": round(u.scores[lb], 4) if lb in u.scores else None for lb in LABELS},
        })
    return rows


def reviewed_csv(items: Iterable[Reviewed], unreviewed: Unreviewed = "model") -> str:
    """The CSV export of one or more reviewed sessions."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for session, state in items:
        writer.writerows(review_rows(session, state, unreviewed))
    return out.getvalue()


def corpus_session(session: Session, state: dict[int, UtteranceReview],
                   unreviewed: Unreviewed = "model") -> dict[str, Any]:
    """One session in the corpus format (see the module docstring)."""
    reviewed = [s.index for s in state.values() if s.decided]
    who = sorted({lab.reviewer for s in state.values() for lab in s.labels.values()
                  if lab.reviewer})
    utterances = []
    for u in session.utterances:
        s = state[u.index]
        labels = _labels(s, unreviewed)
        item: dict[str, Any] = {"index": u.index, "speaker": u.speaker, "role": u.role,
                                "text": u.text}
        for key in ("source_id", "start", "end"):
            if getattr(u, key) is not None:
                item[key] = getattr(u, key)
        item["labels"] = labels
        item["subtypes"] = {lb: st for lb, st in s.subtypes().items() if lb in labels}
        utterances.append(item)
    metadata = {
        **session.metadata,
        "author": ", ".join(who) or (session.metadata.get("author") or "model"),
        "review": {
            "reviewers": who, "reviewed_utterances": reviewed, "unreviewed_labels": unreviewed,
            "model": session.analysis.model_dump() if session.analysis else None,
            "exported_at": utcnow(),
        },
    }
    return {
        "id": session.id, "source": session.source,
        "consent": session.consent.model_dump() if session.consent else None,
        "metadata": json.loads(json.dumps(metadata, default=str)),
        "speakers": dict(session.speakers), "utterances": utterances,
    }


def corpus_json(session: Session, state: dict[int, UtteranceReview],
                unreviewed: Unreviewed = "model") -> str:
    return json.dumps(corpus_session(session, state, unreviewed), ensure_ascii=False, indent=1)


def corpus_jsonl(items: Iterable[Reviewed], unreviewed: Unreviewed = "model") -> str:
    """One corpus session per line."""
    return "".join(json.dumps(corpus_session(s, st, unreviewed), ensure_ascii=False) + "\n"
                   for s, st in items)


def missing_subtypes(items: Sequence[Reviewed]) -> list[tuple[str, int, str]]:
    """(session, utterance, label) of reviewed labels without a subtype."""
    return [(session.id, s.index, lb) for session, state in items for s in state.values()
            if s.decided for lb in s.effective() if lb not in s.subtypes()]


def report_html(session: Session) -> str:
    """The one-page HTML session report."""
    from analyzer.report import render_report

    return render_report(session)
