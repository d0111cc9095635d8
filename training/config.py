"""Hyper-parameters of a training run: one validated config object (pydantic).

Load from JSON/YAML with ``TrainConfig.from_file`` or build in code; every field is checked
(ranges, choices) before any work starts. The config is saved inside the model directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from training.corpus import ROOT


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = 13
    output_dir: Path = ROOT / "models" / "alliance-tagger"
    annomi: Path | None = None  # AnnoMI-simple.csv; default ../shared/annomi when present
    version: str = "0.3.0"

    # encoder fine-tuning (stage A): LoRA on the packaged MiniLM, utterance by utterance
    max_tokens: int = Field(128, ge=16, le=512)
    lora_r: int = Field(8, ge=1, le=128)
    lora_alpha: int = Field(16, ge=1)
    lora_dropout: float = Field(0.1, ge=0.0, lt=1.0)
    lora_targets: list[str] = ["query", "key", "value", "dense"]
    encoder_epochs: int = Field(2, ge=0, le=20)
    encoder_lr: float = Field(5e-4, gt=0, lt=1)
    encoder_batch_size: int = Field(32, ge=1, le=512)

    # context layer (stage B): BiGRU over the session's utterance embeddings
    context_hidden: int = Field(128, ge=8, le=1024)
    role_dim: int = Field(16, ge=2, le=128)
    context_dropout: float = Field(0.2, ge=0.0, lt=1.0)
    context_epochs: int = Field(60, ge=1, le=1000)
    context_lr: float = Field(2e-3, gt=0, lt=1)
    context_batch_sessions: int = Field(8, ge=1, le=256)
    patience: int = Field(10, ge=1)

    # auxiliary task in stage A: predict AnnoMI's own expert codes (therapist behaviour, client
    # talk type) on real training turns, weight of its loss; 0 turns it off
    aux_weight: float = Field(0.5, ge=0.0, le=10.0)

    # domain balance: each real (AnnoMI) training session is seen this many times per epoch in
    # both stages, so the few real sessions are not drowned by the synthetic corpus
    annomi_weight: int = Field(3, ge=1, le=20)

    # class imbalance: positive weight per label = negatives / positives, capped
    pos_weight_cap: float = Field(10.0, ge=1.0)

    # a tiny slice for smoke tests (CI): at most this many sessions per split
    max_sessions_per_split: int | None = Field(None, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = Field(None, ge=1, le=256)

    @model_validator(mode="after")
    def _check(self) -> TrainConfig:
        if self.lora_alpha < self.lora_r:
            raise ValueError("lora_alpha should be at least lora_r")
        return self

    @classmethod
    def from_file(cls, path: Path) -> TrainConfig:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls.model_validate(data)
