"""Session alliance profile: marker rates, episode counts, rupture share, alliance index.

Pipeline step ``profile(session, norms)``
reads model annotations, ``session.episodes`` and times; writes ``session.summary["profile"]``.

The alliance index — one number, higher means a stronger alliance — is defined here and only
here, on a T-score scale (reference mean 50, SD 10):

    index = 50 + 10 * ( (z_pos - z_rup) / 2  +  0.5 * (resolved - unresolved) / max(1, episodes) )

- ``z_pos``: the rate of positive markers (goal_agreement + collaboration per 100 utterances),
  standardised against reference norms; ``z_rup`` likewise for rupture markers (withdrawal +
  confrontation). Higher positive and lower rupture rates raise the index equally.
- The repair term moves the index up to ±5 points: resolved episodes (the client returned to
  collaboration or goal agreement) count for the alliance, unresolved ones against it,
  following 3RS's view that a repaired rupture strengthens the alliance.
- Reference norms are the mean and SD of those rates over real sessions tagged by the same
  model (computed by ``alliance train`` on the AnnoMI train/dev transcripts and stored in the
  model's ``config.json``), so 50 means "typical of the reference sessions".
- The 95% interval is a moving-block bootstrap over utterances (blocks of 10 consecutive
  utterances, 500 draws) of the two rates; the episode term is held fixed.
What it does not capture: the bond component of the alliance directly, non-verbal behaviour,
the clinical appropriateness of a rupture, or anything about outcome. See docs/validation.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from analyzer.labels import LABELS, POSITIVE_LABELS, RUPTURE_LABELS
from analyzer.session import Session

BLOCK = 10
N_BOOT = 500


@dataclass(frozen=True)
class ProfileNorms:
    pos_mean: float
    pos_sd: float
    rup_mean: float
    rup_sd: float
    n_sessions: int
    source: str


def _flags(session: Session) -> np.ndarray:
    """(n, 2): positive-marker count and rupture-marker count per utterance (model labels)."""
    rows = []
    for u in session.utterances:
        labels = u.labels("model")
        rows.append((sum(lb in POSITIVE_LABELS for lb in labels),
                     sum(lb in RUPTURE_LABELS for lb in labels)))
    return np.array(rows, dtype=np.float64).reshape(-1, 2)


def rates(session: Session) -> tuple[float, float]:
    flags = _flags(session)
    n = max(len(flags), 1)
    return float(flags[:, 0].sum() * 100 / n), float(flags[:, 1].sum() * 100 / n)


def compute_norms(sessions: Sequence[Session], source: str) -> ProfileNorms:
    values = np.array([rates(s) for s in sessions if s.utterances]).reshape(-1, 2)
    sd = values.std(axis=0, ddof=1) if len(values) > 1 else np.ones(2)
    return ProfileNorms(pos_mean=float(values[:, 0].mean()), pos_sd=float(max(sd[0], 1e-6)),
                        rup_mean=float(values[:, 1].mean()), rup_sd=float(max(sd[1], 1e-6)),
                        n_sessions=len(values), source=source)


def _index(pos: float, rup: float, episode_term: float, norms: ProfileNorms) -> float:
    z_pos = (pos - norms.pos_mean) / norms.pos_sd
    z_rup = (rup - norms.rup_mean) / norms.rup_sd
    return 50 + 10 * ((z_pos - z_rup) / 2 + episode_term)


def alliance_index(session: Session, norms: ProfileNorms, n_boot: int = N_BOOT, seed: int = 0
                   ) -> tuple[float, float, float]:
    """(index, low, high) of the 95% moving-block bootstrap interval."""
    episodes = session.episodes
    yes = sum(e["resolved"] == "yes" for e in episodes)
    no = sum(e["resolved"] == "no" for e in episodes)
    term = 0.5 * (yes - no) / max(1, len(episodes))
    pos, rup = rates(session)
    value = _index(pos, rup, term, norms)
    flags = _flags(session)
    n = len(flags)
    if n < 2:
        return value, value, value
    rng = np.random.default_rng(seed)
    n_blocks = math.ceil(n / BLOCK)
    starts = rng.integers(0, max(n - BLOCK, 0) + 1, size=(n_boot, n_blocks))
    draws = []
    for row in starts:
        idx = np.concatenate([np.arange(s, min(s + BLOCK, n)) for s in row])[:n]
        sample = flags[idx]
        draws.append(_index(sample[:, 0].sum() * 100 / len(idx),
                            sample[:, 1].sum() * 100 / len(idx), term, norms))
    low, high = np.percentile(draws, [2.5, 97.5])
    return value, float(low), float(high)


def profile(session: Session, norms: ProfileNorms | None) -> Session:
    n = len(session.utterances)
    counts = {lb: sum(lb in u.labels("model") for u in session.utterances) for lb in LABELS}
    duration = session.duration
    per_10min = ({lb: round(c / (duration / 600), 2) for lb, c in counts.items()}
                 if duration and duration >= 60 else None)
    covered: set[int] = set()
    for e in session.episodes:
        covered.update(range(e["start_index"], e["end_index"] + 1))
    result: dict[str, Any] = {
        "rates_per_100": {lb: round(c * 100 / max(n, 1), 2) for lb, c in counts.items()},
        "rates_per_10min": per_10min,
        "episodes": {
            "total": len(session.episodes),
            "resolved": sum(e["resolved"] == "yes" for e in session.episodes),
            "unresolved": sum(e["resolved"] == "no" for e in session.episodes),
            "unclear": sum(e["resolved"] == "unclear" for e in session.episodes),
        },
        "rupture_share": round(len(covered) / max(n, 1), 3),
        "alliance_index": None,
        "alliance_index_ci": None,
        "norms": asdict(norms) if norms else None,
    }
    if norms is not None and n:
        value, low, high = alliance_index(session, norms)
        result["alliance_index"] = round(value, 1)
        result["alliance_index_ci"] = [round(low, 1), round(high, 1)]
    session.summary = {**session.summary, "profile": result}
    return session
