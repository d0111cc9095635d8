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


def _f1s(counts: np.ndarray) -> np.ndarray:
    """Per-label F1 from (labels, [true positives, positives of one side, of the other])."""
    return 2 * counts[:, 0] / np.maximum(counts[:, 1] + counts[:, 2], 1.0)


def session_bootstrap(per_session: list[np.ndarray], rounds: int = 1000, seed: int = 13
                      ) -> tuple[float, float]:
    """95% bootstrap interval of macro-F1 resampling whole sessions (utterances within a
    session are not independent), from each session's per-label counts (see ``_f1s``)."""
    rng = np.random.default_rng(seed)
    n = len(per_session)
    values = [_f1s(sum(per_session[i] for i in rng.integers(0, n, n))).mean()
              for _ in range(rounds)]
    low, high = np.percentile(values, [2.5, 97.5])
    return round(float(low), 4), round(float(high), 4)


def macro_f1_interval(data: list[SessionData], probs: list[np.ndarray],
                      thresholds: list[float], rounds: int = 1000, seed: int = 13
                      ) -> tuple[float, float]:
    """95% session-bootstrap interval of the model's macro-F1 (eligible utterances only)."""
    per_session = []
    for d, p in zip(data, probs, strict=True):
        pred = (p >= np.array(thresholds)) & (d.mask > 0)
        gold = (d.gold > 0) & (d.mask > 0)
        per_session.append(np.stack([(pred & gold).sum(0), pred.sum(0), gold.sum(0)], axis=1)
                           .astype(float))
    return session_bootstrap(per_session, rounds, seed)


def pair_f1(first: dict[tuple[str, str], tuple[str, ...]],
            second: dict[tuple[str, str], tuple[str, ...]], rounds: int = 1000, seed: int = 13
            ) -> dict[str, Any]:
    """Per-label F1 of ``second`` against ``first`` on their shared utterances, macro-F1 and its
    95% bootstrap interval resampling whole transcripts."""
    keys = sorted(set(first) & set(second))
    per_session: dict[str, np.ndarray] = {}
    for k in keys:
        c = per_session.setdefault(k[0], np.zeros((len(LABELS), 3)))
        for j, label in enumerate(LABELS):
            a, b = label in first[k], label in second[k]
            c[j] += (a and b, a, b)
    sessions = sorted(per_session)
    point = _f1s(sum(per_session.values(), np.zeros((len(LABELS), 3))))
    out: dict[str, Any] = {lb: round(float(v), 4) for lb, v in zip(LABELS, point, strict=True)}
    out["macro_f1"] = round(float(point.mean()), 4)
    out["macro_f1_ci95"] = list(session_bootstrap([per_session[s] for s in sessions], rounds,
                                                  seed))
    out["utterances"], out["sessions"] = len(keys), len(sessions)
    return out


def human_reference() -> dict[str, Any]:
    """How far two annotators agree, as F1 of one against the other (a ceiling for reading the
    model's F1): per source on the double-annotated subset (first vs independent second
    annotation, before adjudication), and on the AnnoMI test transcripts (an independent second
    annotation against the gold labels the model is scored on, when present)."""
    from training.agreement import DOUBLE, load_pair
    from training.corpus import ANNOMI_LABELS, read_label_table
    from training.splits import load_splits

    out: dict[str, Any] = {}
    for source in ("synthetic", "annomi"):
        if (DOUBLE / f"{source}_first.csv").is_file():
            out[source] = pair_f1(*load_pair(source))
    test_second = DOUBLE / "annomi_test_second.csv"
    if test_second.is_file() and ANNOMI_LABELS.is_file():
        test = {k.removeprefix("annomi-") for k, v in load_splits().get("annomi", {}).items()
                if v == "test"}
        second = {(r.key, r.position): r.labels
                  for r in read_label_table(test_second, "transcript_id", "utterance_id")
                  if r.key in test}
        gold = {(r.key, r.position): r.labels
                for r in read_label_table(ANNOMI_LABELS, "transcript_id", "utterance_id")
                if r.key in test}
        if second:
            out["annomi_test"] = pair_f1(gold, second)
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
             "macro_f1_ci95": macro_f1_interval(data, probs, thresholds),
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
    results["human"] = human_reference()
    results["config"] = {k: tagger.config[k] for k in ("name", "version", "base_model",
                                                       "thresholds", "calibration", "training")}
    results["evaluated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return results


def write_outputs(results: dict[str, Any], model_dir: Path) -> None:
    from training.model_card import render_card

    (model_dir / "metrics.json").write_text(json.dumps(results, indent=2) + "\n",
                                            encoding="utf-8")
    (model_dir / "MODEL_CARD.md").write_text(render_card(results, model_dir), encoding="utf-8")


def error_examples(model_dir: Path, per_label: int = 8, source: str = "synthetic",
                   annomi: Path | None = None) -> list[str]:
    """False positives and negatives on one source's test split, for reading errors (printed
    for the maintainer; AnnoMI text is never written anywhere by this)."""
    splits = load_split_data(annomi)
    data = [d for d in splits["test"] if d.source == source]
    if not data:
        return []
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
