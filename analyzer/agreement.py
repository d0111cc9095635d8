"""Agreement between two annotations of the same utterances (coder vs coder, coder vs model).

Per label, over the utterances both sides annotated: Cohen's kappa (scikit-learn) with a
percentile bootstrap confidence interval (resampling utterances), raw agreement, and how
many positives each side marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import cohen_kappa_score

from analyzer.labels import LABELS

Key = tuple[str, str]


@dataclass
class LabelAgreement:
    label: str
    n: int
    positives_a: int
    positives_b: int
    observed: float
    kappa: float | None
    ci_low: float | None
    ci_high: float | None


def _kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    if a.sum() == 0 and b.sum() == 0:
        return None  # undefined: no positives on either side
    if len(set(a.tolist()) | set(b.tolist())) < 2:
        return None
    return float(cohen_kappa_score(a, b))


def label_agreement(
    a: Mapping[Key, Sequence[str]],
    b: Mapping[Key, Sequence[str]],
    labels: Sequence[str] = LABELS,
    n_boot: int = 1000,
    seed: int = 0,
) -> list[LabelAgreement]:
    """Per-label agreement over the keys both annotations cover."""
    keys = sorted(set(a) & set(b))
    rng = np.random.default_rng(seed)
    boots = rng.integers(0, len(keys), size=(n_boot, len(keys))) if keys else None
    out = []
    for label in labels:
        va = np.array([int(label in a[k]) for k in keys])
        vb = np.array([int(label in b[k]) for k in keys])
        kappa = _kappa(va, vb) if keys else None
        lo = hi = None
        if kappa is not None and boots is not None:
            samples = [k for idx in boots if (k := _kappa(va[idx], vb[idx])) is not None]
            if samples:
                lo, hi = (float(x) for x in np.percentile(samples, [2.5, 97.5]))
        out.append(LabelAgreement(
            label=label, n=len(keys), positives_a=int(va.sum()), positives_b=int(vb.sum()),
            observed=float((va == vb).mean()) if keys else 0.0, kappa=kappa,
            ci_low=lo, ci_high=hi,
        ))
    return out
