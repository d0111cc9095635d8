"""``alliance evaluate``: score the released tagger and the baselines on the test splits.

Writes ``metrics.json`` and ``MODEL_CARD.md`` in the model directory. Reported per source
(synthetic test split; real AnnoMI test transcripts) and per label: precision, recall, F1 at the
saved threshold, PR-AUC (average precision), expected calibration error (10 equal-width bins),
and macro-F1. Metrics are computed over utterances whose speaker role may carry the label.
Baselines are fitted on the train split with thresholds tuned on dev, like the model.
Every number in the card comes from this script.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score

from analyzer.labels import LABELS
from analyzer.tagger import Tagger
from training.dataset import SessionData, load_split_data
from training.train import fit_thresholds

log = logging.getLogger(__name__)


def ece(probs: np.ndarray, gold: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: |accuracy - confidence| weighted over probability bins."""
    if len(probs) == 0:
        return 0.0
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            total += sel.mean() * abs(gold[sel].mean() - probs[sel].mean())
    return float(total)


def label_metrics(probs: np.ndarray, gold: np.ndarray, mask: np.ndarray,
                  thresholds: list[float]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    f1s = []
    for j, label in enumerate(LABELS):
        keep = mask[:, j] > 0
        p, y = probs[keep, j], gold[keep, j]
        pred = p >= thresholds[j]
        tp = float((pred & (y > 0)).sum())
        precision = tp / max(float(pred.sum()), 1.0)
        recall = tp / max(float(y.sum()), 1.0)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        support = int(y.sum())
        f1s.append(f1)
        out[label] = {
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "pr_auc": round(float(average_precision_score(y, p)), 4) if support else None,
            "ece": round(ece(p, y), 4), "support": support, "n": int(keep.sum()),
            "threshold": thresholds[j],
        }
    out["macro_f1"] = round(float(np.mean(f1s)), 4)
    return out


def _stack(data: list[SessionData], probs: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    return (np.concatenate(probs), np.concatenate([d.gold for d in data]),
            np.concatenate([d.mask for d in data]))


def by_source(data: list[SessionData]) -> dict[str, list[SessionData]]:
    out: dict[str, list[SessionData]] = {}
    for d in data:
        out.setdefault(d.source, []).append(d)
    return out


def evaluate(model_dir: Path, annomi: Path | None = None, baselines: bool = True,
             limit: int | None = None) -> dict[str, Any]:
    splits = load_split_data(annomi, limit)
    tagger = Tagger.load(model_dir)
    thresholds = [tagger.config["thresholds"][lb] for lb in LABELS]
    results: dict[str, Any] = {"model": {}, "baselines": {}}
    test_sources = by_source(splits["test"])
    for source, data in test_sources.items():
        start = time.perf_counter()
        probs = tagger.predict([d.session for d in data])
        seconds = time.perf_counter() - start
        results["model"][source] = label_metrics(*_stack(data, probs), thresholds)
        n = sum(len(d.texts) for d in data)
        results["model"][source].update(
            {"sessions": len(data), "utterances": n,
             "utterances_per_second": round(n / seconds, 1)})
    if baselines:
        from training.baselines import FrozenEncoderBaseline, KeywordBaseline, TfidfBaseline

        for cls in (KeywordBaseline, TfidfBaseline, FrozenEncoderBaseline):
            base = cls().fit(splits["train"])
            dev = splits["dev"]
            dev_probs, dev_gold, dev_mask = _stack(dev, base.predict(dev))
            base_thresholds = fit_thresholds(dev_probs, dev_gold, dev_mask)
            results["baselines"][base.name] = {
                source: label_metrics(*_stack(data, base.predict(data)), base_thresholds)
                for source, data in test_sources.items()
            }
    results["config"] = {k: tagger.config[k] for k in ("name", "version", "base_model",
                                                       "thresholds", "calibration", "training")}
    results["evaluated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return results


def write_outputs(results: dict[str, Any], model_dir: Path) -> None:
    from training.model_card import render_card

    (model_dir / "metrics.json").write_text(json.dumps(results, indent=2) + "\n",
                                            encoding="utf-8")
    (model_dir / "MODEL_CARD.md").write_text(render_card(results, model_dir), encoding="utf-8")


def error_examples(model_dir: Path, per_label: int = 8) -> list[str]:
    """False positives and negatives on the synthetic test split, for reading errors."""
    splits = load_split_data(None)
    data = [d for d in splits["test"] if d.source == "synthetic"]
    tagger = Tagger.load(model_dir)
    probs = tagger.predict([d.session for d in data])
    lines = []
    for j, label in enumerate(LABELS):
        t = tagger.config["thresholds"][label]
        fps, fns = [], []
        for d, p in zip(data, probs, strict=True):
            for i, u in enumerate(d.session.utterances):
                if d.mask[i, j] == 0:
                    continue
                if p[i, j] >= t and d.gold[i, j] == 0:
                    fps.append((float(p[i, j]), d.session.id, i, u.role, u.text))
                elif p[i, j] < t and d.gold[i, j] == 1:
                    fns.append((float(p[i, j]), d.session.id, i, u.role, u.text))
        lines.append(f"== {label}: {len(fps)} false positives, {len(fns)} false negatives")
        for kind, items in (("FP", sorted(fps, reverse=True)), ("FN", sorted(fns))):
            for prob, sid, i, role, text in items[:per_label]:
                lines.append(f"{kind} p={prob:.2f} {sid}#{i} {role}: {text[:200]}")
    return lines
