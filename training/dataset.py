"""The corpus as model inputs: sessions by split, encoder texts, gold matrices and role masks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analyzer.labels import LABELS
from analyzer.session import Session
from analyzer.tagger import encoder_text, role_mask
from training.corpus import annomi_expert_codes, annomi_path, load_annomi, load_synthetic
from training.splits import load_splits

log = logging.getLogger(__name__)

SPLIT_NAMES = ("train", "dev", "test")

# AnnoMI's own expert codes (therapist behaviour, client talk type), used as an auxiliary
# training signal for the encoder on real-language turns; one class index per code.
AUX_CLASSES = ("therapist:question", "therapist:reflection", "therapist:therapist_input",
               "therapist:other", "client:change", "client:neutral", "client:sustain")


@dataclass
class SessionData:
    session: Session
    source: str  # synthetic | annomi
    split: str
    texts: list[str]
    roles: list[str]
    gold: np.ndarray  # (n, n_labels) 0/1
    mask: np.ndarray  # (n, n_labels) 1 where the role may carry the label
    aux: np.ndarray | None = None  # (n,) AUX_CLASSES index, -1 where no code (AnnoMI only)


def annomi_codes(csv_path: Path | None) -> dict[tuple[str, str], int]:
    """(session id, utterance id) -> AUX_CLASSES index from AnnoMI's expert-coding columns."""
    if csv_path is None:
        return {}
    return {(f"annomi-{tid}", uid): AUX_CLASSES.index(f"{role}:{code}")
            for (tid, uid), (role, code) in annomi_expert_codes(csv_path).items()
            if f"{role}:{code}" in AUX_CLASSES}


def to_data(session: Session, source: str, split: str) -> SessionData:
    roles = [u.role for u in session.utterances]
    gold = np.array([[float(lb in u.labels("reviewer")) for lb in LABELS]
                     for u in session.utterances], dtype=np.float32)
    return SessionData(session=session, source=source, split=split,
                       texts=[encoder_text(u.role, u.text) for u in session.utterances],
                       roles=roles, gold=gold.reshape(-1, len(LABELS)), mask=role_mask(roles))


def load_split_data(annomi: Path | None = None, limit: int | None = None
                    ) -> dict[str, list[SessionData]]:
    """Sessions per split (train/dev/test), both sources, from the committed split file."""
    splits = load_splits()
    csv_path = annomi_path(annomi)
    sources = {"synthetic": load_synthetic(), "annomi": load_annomi(csv_path)}
    codes = annomi_codes(csv_path)
    out: dict[str, list[SessionData]] = {name: [] for name in SPLIT_NAMES}
    for source, sessions in sources.items():
        assignment = splits.get(source, {})
        unassigned = [s.id for s in sessions if s.id not in assignment]
        if unassigned:
            log.warning("%d %s sessions are not in splits.json and are left out "
                        "(run python -m training.splits): %s", len(unassigned), source,
                        unassigned[:5])
        for s in sessions:
            split = assignment.get(s.id)
            if split in out:
                data = to_data(s, source, split)
                if source == "annomi":
                    data.aux = np.array([codes.get((s.id, str(u.source_id)), -1)
                                         for u in s.utterances], dtype=np.int64)
                out[split].append(data)
    if limit:
        for name in SPLIT_NAMES:
            by_source: dict[str, list[SessionData]] = {}
            for d in out[name]:
                by_source.setdefault(d.source, []).append(d)
            out[name] = [d for items in by_source.values() for d in items[:limit]]
    for name in SPLIT_NAMES:
        log.info("%s: %d sessions, %d utterances", name, len(out[name]),
                 sum(len(d.texts) for d in out[name]))
    return out
