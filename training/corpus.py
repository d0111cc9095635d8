"""Load the annotated corpus as Sessions with gold (reviewer-origin) annotations.

Two sources:
- ``synthetic``: hand-written fictional sessions, one JSON file each, in
  ``training/data/synthetic/`` (the project's session JSON with ``labels``/``subtypes``).
- ``annomi``: real motivational-interviewing transcripts (AnnoMI). Only the labels are in the
  repository (``training/data/annomi_labels.csv``, keyed by transcript_id and utterance_id);
  the text is joined from a local AnnoMI copy (``--annomi PATH``, by default
  ``../shared/annomi/AnnoMI-simple.csv`` when present). Without it that source is skipped with
  a notice.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from analyzer.labels import LABELS
from analyzer.readers import read_path
from analyzer.session import Annotation, Session

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "training" / "data"
SYNTHETIC_DIR = DATA / "synthetic"
ANNOMI_LABELS = DATA / "annomi_labels.csv"
SPLITS = DATA / "splits.json"
DEFAULT_ANNOMI = ROOT.parent / "shared" / "annomi" / "AnnoMI-simple.csv"


@dataclass(frozen=True)
class LabelRow:
    """One utterance's gold labels from a label table."""

    key: str  # transcript or session id
    position: str  # utterance_id (AnnoMI) or index (synthetic)
    labels: tuple[str, ...]
    subtypes: dict[str, str]
    annotator: str


def parse_labels(value: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in (value or "").split(";") if x.strip())


def parse_subtypes(value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in (value or "").split(";"):
        if ":" in item:
            label, subtype = item.split(":", 1)
            out[label.strip()] = subtype.strip()
    return out


def read_label_table(path: Path, key_col: str, pos_col: str) -> list[LabelRow]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            LabelRow(
                key=row[key_col].strip(), position=row[pos_col].strip(),
                labels=parse_labels(row.get("labels", "")),
                subtypes=parse_subtypes(row.get("subtypes", "")),
                annotator=(row.get("annotator") or "").strip(),
            )
            for row in csv.DictReader(fh)
        ]


def annomi_path(explicit: str | Path | None = None) -> Path | None:
    """The AnnoMI CSV to join labels to, or None (with a notice) when it is not here."""
    path = Path(explicit) if explicit else DEFAULT_ANNOMI
    if path.is_file():
        return path
    log.warning("AnnoMI text not found at %s: the AnnoMI source is skipped", path)
    return None


def annomi_expert_codes(csv_path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """AnnoMI's own utterance codes: (transcript_id, utterance_id) -> (interlocutor, code), the
    code being ``main_therapist_behaviour`` for therapists and ``client_talk_type`` for
    clients."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            role = row.get("interlocutor", "")
            code = row.get("main_therapist_behaviour" if role == "therapist"
                           else "client_talk_type", "")
            out[(row["transcript_id"], row["utterance_id"])] = (role, code)
    return out


def load_synthetic(folder: Path = SYNTHETIC_DIR) -> list[Session]:
    sessions = []
    for path in sorted(folder.glob("*.json")):
        (session,) = read_path(path)
        session.metadata.setdefault("corpus_source", "synthetic")
        sessions.append(session)
    return sessions


def load_annomi(csv_path: Path | None, labels_path: Path = ANNOMI_LABELS) -> list[Session]:
    """AnnoMI transcripts that have labels, with gold annotations attached."""
    if csv_path is None or not labels_path.is_file():
        return []
    rows = read_label_table(labels_path, "transcript_id", "utterance_id")
    by_key: dict[str, dict[str, LabelRow]] = {}
    for row in rows:
        by_key.setdefault(row.key, {})[row.position] = row
    sessions = []
    for session in read_path(csv_path):
        labelled = by_key.get(session.id)
        if labelled is None:
            continue
        missing = [u.source_id for u in session.utterances if u.source_id not in labelled]
        if missing:
            raise ValueError(f"AnnoMI transcript {session.id}: no label row for utterances "
                             f"{missing[:5]}")
        for utt in session.utterances:
            row = labelled[str(utt.source_id)]
            utt.annotations = [
                Annotation(label=label, origin="reviewer", subtype=row.subtypes.get(label),
                           annotator=row.annotator)
                for label in row.labels
            ]
        session.id = f"annomi-{session.id}"
        session.metadata["corpus_source"] = "annomi"
        sessions.append(session)
    return sessions


def load_corpus(annomi: str | Path | None = None) -> list[Session]:
    return load_synthetic() + load_annomi(annomi_path(annomi))


def gold_matrix(session: Session) -> Iterator[tuple[int, list[int]]]:
    """(utterance index, 0/1 per label in LABELS) from the gold annotations."""
    for utt in session.utterances:
        present = set(utt.labels("reviewer"))
        yield utt.index, [int(label in present) for label in LABELS]
