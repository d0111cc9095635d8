"""Agreement between two annotations of the same utterances (coder vs coder, coder vs model).

Per label, over the utterances both sides annotated: Cohen's kappa (scikit-learn) with a
percentile bootstrap confidence interval (resampling utterances), raw agreement, and how
many positives each side marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

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


# -- file comparison (``alliance agreement A B``) ---------------------------------------------
KEY_COLUMNS = (("session_id", "index"), ("transcript_id", "utterance_id"), ("key", "position"))


def read_annotations(path: Path) -> dict[Key, tuple[str, ...]]:
    """Labels per utterance from a CSV/TSV/parquet annotation file.

    Keys: (session_id, index), (transcript_id, utterance_id) or (key, position). Labels: a
    ``labels`` column (';'-separated) or one 0/1 column per label.
    """
    import pandas as pd

    from analyzer.errors import MissingColumnError, UnreadablePathError

    if not path.is_file():
        raise UnreadablePathError("no such file", path=path)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, sep="\t" if path.suffix.lower() == ".tsv" else ",",
                                dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises many types for broken files
        raise UnreadablePathError(f"cannot read table ({exc.__class__.__name__})",
                                  path=path) from None
    keys = next((k for k in KEY_COLUMNS if set(k) <= set(frame.columns)), None)
    if keys is None:
        raise MissingColumnError(
            "no key columns", path=path,
            hint="use session_id,index or transcript_id,utterance_id or key,position")
    out: dict[Key, tuple[str, ...]] = {}
    for row in frame.to_dict("records"):
        key = (str(row[keys[0]]), str(row[keys[1]]))
        if "labels" in frame.columns:
            value = row["labels"]
            labels = tuple(x for x in str(value).split(";") if x and x != "nan")
        elif set(LABELS) & set(frame.columns):
            labels = tuple(lb for lb in LABELS if str(row.get(lb, "0")) in ("1", "1.0", "True"))
        else:
            raise MissingColumnError("no 'labels' column and no per-label columns", path=path)
        out[key] = labels
    return out


def compare_files(a: Path, b: Path, n_boot: int = 1000, seed: int = 0) -> list[dict]:
    """Per label: kappa, Krippendorff's alpha and F1 of B against A, each [value, lo, hi]."""
    import krippendorff

    from analyzer.errors import AllianceInputError

    ann_a, ann_b = read_annotations(Path(a)), read_annotations(Path(b))
    keys = sorted(set(ann_a) & set(ann_b))
    if not keys:
        raise AllianceInputError("the two files share no utterance keys", path=b,
                                 hint="both need the same session ids and indices")
    rng = np.random.default_rng(seed)
    boots = rng.integers(0, len(keys), size=(n_boot, len(keys)))

    def alpha(x: np.ndarray, y: np.ndarray) -> float | None:
        if len(set(x.tolist()) | set(y.tolist())) < 2:
            return None
        return float(krippendorff.alpha(reliability_data=np.vstack([x, y]),
                                        level_of_measurement="nominal"))

    def f1(x: np.ndarray, y: np.ndarray) -> float | None:
        if x.sum() + y.sum() == 0:
            return None
        return float(2 * (x * y).sum() / (x.sum() + y.sum()))

    rows = []
    for label in LABELS:
        x = np.array([int(label in ann_a[k]) for k in keys])
        y = np.array([int(label in ann_b[k]) for k in keys])
        row: dict = {"label": label, "n": len(keys), "positives_a": int(x.sum()),
                     "positives_b": int(y.sum())}
        for name, fn in (("kappa", _kappa), ("alpha", alpha), ("f1", f1)):
            value = fn(x, y)
            samples = [v for idx in boots if (v := fn(x[idx], y[idx])) is not None]
            lo, hi = (np.percentile(samples, [2.5, 97.5]) if samples and value is not None
                      else (None, None))
            row[name] = [value, None if lo is None else float(lo),
                         None if hi is None else float(hi)]
        rows.append(row)
    return rows
